// HubService: the unary calls (Push and Pull are in hub_streams.cc).
#include "hub/server/hub_service.h"

#include <chrono>

#include "hub/wire/registration.h"

namespace coven::hub::server {

namespace {

ByteView View(const std::string& s) {
  return ByteView(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}

grpc::Status Overloaded() {
  return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                      "the hub is overloaded; retry with backoff");
}

}  // namespace

std::string TokenOf(const grpc::CallbackServerContext& context) {
  const auto& metadata = context.client_metadata();
  auto found = metadata.find(wire::kTokenMetadata);
  if (found == metadata.end()) return "";
  return std::string(found->second.data(), found->second.size());
}

HubService::HubService(HubCore& core, Executor& executor,
                       Subscriptions& subscriptions,
                       std::uint64_t max_buffered_bytes, std::size_t max_pushes,
                       std::size_t max_waiting_pushes,
                       std::size_t max_awaiting_commit, RpcObserver observer)
    : core_(core),
      executor_(executor),
      subscriptions_(subscriptions),
      max_buffered_bytes_(max_buffered_bytes),
      max_awaiting_commit_(max_awaiting_commit),
      max_pushes_(max_pushes),
      max_waiting_(max_waiting_pushes),
      observer_(std::move(observer)) {}

bool HubService::ReserveBuffer(std::uint64_t bytes, std::uint64_t held,
                               bool* oversize) {
  std::uint64_t now = buffered_bytes_.load();
  while (true) {
    if (now + bytes > max_buffered_bytes_ && now > held && !*oversize) {
      // Over the budget with others holding some: only a push that would
      // hold over half of it (and might never find that much room among
      // smaller ones) goes on, one at a time.
      if (held + bytes <= max_buffered_bytes_ / 2 ||
          oversize_taken_.exchange(true)) {
        return false;
      }
      *oversize = true;
    }
    if (buffered_bytes_.compare_exchange_weak(now, now + bytes)) return true;
  }
}

void HubService::ReleaseBuffer(std::uint64_t bytes, bool oversize) {
  buffered_bytes_.fetch_sub(bytes);
  if (oversize) oversize_taken_.store(false);
}

bool HubService::TryAwaitCommit() {
  std::size_t now = awaiting_commit_.load();
  do {
    if (now >= max_awaiting_commit_) return false;
  } while (!awaiting_commit_.compare_exchange_weak(now, now + 1));
  return true;
}

void HubService::EndAwaitCommit() { awaiting_commit_.fetch_sub(1); }

HubService::Admission HubService::AdmitPush(std::uint64_t* ticket,
                                            std::function<void()> on_admitted) {
  std::lock_guard<std::mutex> lock(push_mutex_);
  if (pushes_ < max_pushes_) {
    ++pushes_;
    return Admission::kAdmitted;
  }
  if (waiting_.size() >= max_waiting_) return Admission::kRefused;
  *ticket = next_ticket_++;
  waiting_.emplace_back(*ticket, std::move(on_admitted));
  return Admission::kWaiting;
}

bool HubService::Withdraw(std::uint64_t ticket) {
  std::lock_guard<std::mutex> lock(push_mutex_);
  for (auto it = waiting_.begin(); it != waiting_.end(); ++it) {
    if (it->first == ticket) {
      waiting_.erase(it);
      return true;
    }
  }
  return false;
}

void HubService::EndPush() {
  std::function<void()> next;
  {
    std::lock_guard<std::mutex> lock(push_mutex_);
    if (waiting_.empty()) {
      --pushes_;
      return;
    }
    // The slot passes to the first waiting push.
    next = std::move(waiting_.front().second);
    waiting_.pop_front();
  }
  next();
}

void HubService::Observe(const char* method, grpc::StatusCode code,
                         double seconds) {
  if (observer_) observer_(method, code, seconds);
}

template <typename Reply, typename Work>
grpc::ServerUnaryReactor* HubService::Unary(
    const char* method, grpc::CallbackServerContext* context, Reply* reply,
    bool open, Work work) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  const auto start = std::chrono::steady_clock::now();
  auto task = [this, method, context, reply, open, work, reactor, start] {
    grpc::Status status;
    if (context->IsCancelled()) {
      status = grpc::Status(grpc::StatusCode::CANCELLED, "cancelled");
    } else {
      Caller caller;
      Status authenticated = Status::Ok();
      if (!open) {
        Result<Caller> who =
            core_.Authenticate(View(TokenOf(*context)), context->peer());
        if (who.ok()) {
          caller = std::move(*who);
        } else {
          authenticated = who.status();
        }
      }
      if (!authenticated.ok()) {
        status = wire::ToGrpc(authenticated);
      } else {
        Result<Reply> result = work(caller);
        if (result.ok()) {
          *reply = std::move(*result);
        } else {
          status = wire::ToGrpc(result.status());
        }
      }
    }
    Observe(
        method, status.error_code(),
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count());
    reactor->Finish(status);
  };
  if (!executor_.Submit(std::move(task))) {
    Observe(method, grpc::StatusCode::RESOURCE_EXHAUSTED, 0);
    reactor->Finish(Overloaded());
  }
  return reactor;
}

grpc::ServerUnaryReactor* HubService::Probe(
    grpc::CallbackServerContext* context, const pb::ProbeRequest* request,
    pb::ProbeReply* reply) {
  return Unary("Probe", context, reply, true, [this, request](const Caller&) {
    return core_.Probe(*request);
  });
}

grpc::ServerUnaryReactor* HubService::GetChallenge(
    grpc::CallbackServerContext* context, const pb::ChallengeRequest* request,
    pb::ChallengeReply* reply) {
  return Unary(
      "GetChallenge", context, reply, true,
      [this, request](const Caller&) { return core_.GetChallenge(*request); });
}

grpc::ServerUnaryReactor* HubService::RegisterDevice(
    grpc::CallbackServerContext* context, const pb::RegisterRequest* request,
    pb::RegisterReply* reply) {
  return Unary("RegisterDevice", context, reply, true,
               [this, request, context](const Caller&) {
                 return core_.RegisterDevice(*request, context->peer());
               });
}

grpc::ServerUnaryReactor* HubService::ListHeads(
    grpc::CallbackServerContext* context, const pb::ListHeadsRequest*,
    pb::ListHeadsReply* reply) {
  return Unary(
      "ListHeads", context, reply, false,
      [this](const Caller& caller) { return core_.ListHeads(caller); });
}

grpc::ServerUnaryReactor* HubService::GetObject(
    grpc::CallbackServerContext* context, const pb::GetObjectRequest* request,
    pb::GetObjectReply* reply) {
  return Unary("GetObject", context, reply, false,
               [this, request](const Caller& caller) {
                 return core_.GetObject(caller, *request);
               });
}

grpc::ServerUnaryReactor* HubService::ListObjects(
    grpc::CallbackServerContext* context, const pb::ListObjectsRequest* request,
    pb::ListObjectsReply* reply) {
  return Unary("ListObjects", context, reply, false,
               [this, request](const Caller& caller) {
                 return core_.ListObjects(caller, *request);
               });
}

grpc::ServerUnaryReactor* HubService::Heartbeat(
    grpc::CallbackServerContext* context, const pb::HeartbeatRequest*,
    pb::HeartbeatReply* reply) {
  return Unary(
      "Heartbeat", context, reply, false,
      [this](const Caller& caller) { return core_.Heartbeat(caller); });
}

grpc::ServerUnaryReactor* HubService::Reconcile(
    grpc::CallbackServerContext* context, const pb::ReconcileRequest* request,
    pb::ReconcileReply* reply) {
  return Unary("Reconcile", context, reply, false,
               [this, request](const Caller& caller) {
                 return core_.Reconcile(caller, *request);
               });
}

grpc::ServerWriteReactor<pb::Hint>* HubService::Subscribe(
    grpc::CallbackServerContext* context, const pb::SubscribeRequest* request) {
  const std::string token = TokenOf(*context);
  Result<Caller> caller = core_.Authenticate(View(token), context->peer());
  if (!caller.ok()) {
    class Refused final : public grpc::ServerWriteReactor<pb::Hint> {
     public:
      explicit Refused(grpc::Status status) { Finish(status); }
      void OnDone() override { delete this; }
    };
    Observe("Subscribe", wire::ToGrpc(caller.status()).error_code(), 0);
    return new Refused(wire::ToGrpc(caller.status()));
  }
  return subscriptions_.Open(std::move(*caller), token,
                             request->max_hint_bytes());
}

}  // namespace coven::hub::server
