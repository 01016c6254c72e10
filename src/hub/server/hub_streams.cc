// HubService: the streaming calls Push (client stream, all or nothing) and
// Pull (server stream over one or several authors, one page in flight).
#include <chrono>
#include <optional>
#include <vector>

#include "hub/server/hub_service.h"
#include "hub/wire/registration.h"

namespace coven::hub::server {

namespace {

ByteView View(const std::string& s) {
  return ByteView(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Reads the whole push, then stores it in one go after the client
// half-closes, and replies after the store committed.
class PushReactor final : public grpc::ServerReadReactor<pb::PushRequest> {
 public:
  PushReactor(HubService* service, grpc::CallbackServerContext* context,
              pb::PushReply* reply)
      : service_(service), context_(context), reply_(reply) {
    // A caller without a valid token never takes one of the push slots.
    Status token = service_->core().CheckToken(View(TokenOf(*context_)));
    if (!token.ok()) {
      Fail(wire::ToGrpc(token));
      return;
    }
    // Admitted before a byte of it is read: a push beyond the slots waits
    // unread (its bytes stay with the client), and one beyond the waiting
    // line is refused at once.
    switch (service_->AdmitPush(&ticket_, [this] { Admitted(); })) {
      case HubService::Admission::kAdmitted:
        Admitted();
        return;
      case HubService::Admission::kWaiting:
        return;
      case HubService::Admission::kRefused:
        Fail(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                          "the hub is taking too many pushes at once; retry "
                          "with backoff"));
        return;
    }
  }

  // A push cancelled (or past its deadline) while it waits for a slot ends
  // here; one admitted ends through its read or commit.
  void OnCancel() override {
    if (service_->Withdraw(ticket_)) {
      Fail(grpc::Status(grpc::StatusCode::CANCELLED,
                        "cancelled while waiting for a push slot"));
    }
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      if (!objects_.empty() && objects_.back().continued()) {
        return Fail(grpc::Status(
            grpc::StatusCode::INVALID_ARGUMENT,
            "the push ended inside " + objects_.back().path() +
                " (a piece marked continued came last); nothing stored"));
      }
      // Read in full: the slot passes to the next push while this one
      // waits for its commit (its bytes stay counted in the push buffer),
      // unless too many wait so already.
      if (service_->TryAwaitCommit()) {
        awaiting_commit_ = true;
        ReleaseSlot();
      }
      Commit();
      return;
    }
    std::uint64_t bytes = 0;
    for (const pb::Object& object : request_.objects()) {
      bytes += object.data().size() + object.path().size();
    }
    if (request_.has_head()) bytes += request_.head().data().size();
    const std::uint64_t limit = service_->core().options().max_push_bytes;
    if (buffered_ + bytes > limit) {
      return Fail(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                               "one push may carry at most " +
                                   std::to_string(limit) +
                                   " bytes; push fewer objects at a time"));
    }
    if (!service_->ReserveBuffer(bytes, buffered_, &oversize_)) {
      return Fail(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                               "the hub is holding too many pushes; retry "
                               "with backoff"));
    }
    buffered_ += bytes;
    for (pb::Object& object : *request_.mutable_objects()) {
      if (!objects_.empty() && objects_.back().continued()) {
        // The next piece of an object larger than a message.
        pb::Object& open = objects_.back();
        if (object.path() != open.path()) {
          return Fail(grpc::Status(
              grpc::StatusCode::INVALID_ARGUMENT,
              "the rest of " + open.path() + " must follow its first piece"));
        }
        open.mutable_data()->append(object.data());
        open.set_continued(object.continued());
      } else {
        objects_.push_back(std::move(object));
      }
    }
    if (request_.has_head()) {
      if (head_) {
        return Fail(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                 "a push carries at most one head"));
      }
      head_ = std::move(*request_.mutable_head());
    }
    request_.Clear();
    StartRead(&request_);
  }

  void OnDone() override {
    service_->ReleaseBuffer(buffered_, oversize_);
    delete this;
  }

 private:
  // Holds a slot from now on: the first message may be read.
  void Admitted() {
    admitted_ = true;
    StartRead(&request_);
  }

  // Gives up the slot (once): the next push may start being read.
  void ReleaseSlot() {
    if (!admitted_) return;
    admitted_ = false;
    service_->EndPush();
  }

  // Finishes the call (once): with an error, or OK after the commit.
  void Fail(const grpc::Status& status) {
    service_->Observe("Push", status.error_code(), Since(start_));
    ReleaseSlot();  // the next push may start while this one drains
    if (awaiting_commit_) {
      awaiting_commit_ = false;
      service_->EndAwaitCommit();
    }
    Finish(status);
  }

  void Commit() {
    auto task = [this] {
      if (context_->IsCancelled()) {
        return Fail(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled"));
      }
      // Authenticated at commit time: a device removed while it uploaded
      // stores nothing.
      Result<Caller> caller = service_->core().Authenticate(
          View(TokenOf(*context_)), context_->peer());
      if (!caller.ok()) return Fail(wire::ToGrpc(caller.status()));
      Result<HubCore::PreparedPush> prepared =
          service_->core().PreparePush(*caller, objects_, head_);
      if (!prepared.ok()) return Fail(wire::ToGrpc(prepared.status()));
      prepared_ = std::move(*prepared);
      // Answered after the group commit that holds it, from the thread that
      // led it; this worker moves on meanwhile.
      service_->core().CommitPush(
          *caller, &*prepared_, [this](Result<pb::PushReply> result) {
            if (!result.ok()) return Fail(wire::ToGrpc(result.status()));
            *reply_ = std::move(*result);
            Fail(grpc::Status::OK);
          });
    };
    if (!service_->executor().Submit(std::move(task))) {
      Fail(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                        "the hub is overloaded; retry with backoff"));
    }
  }

  HubService* service_;
  grpc::CallbackServerContext* context_;
  pb::PushReply* reply_;
  pb::PushRequest request_;
  std::vector<pb::Object> objects_;
  std::optional<pb::Object> head_;
  std::optional<HubCore::PreparedPush> prepared_;  // Until its commit.
  std::uint64_t buffered_ = 0;
  bool oversize_ = false;         // Holds the buffer's oversize permit.
  bool admitted_ = false;         // Holds a read slot.
  bool awaiting_commit_ = false;  // Counted among those awaiting a commit.
  std::uint64_t ticket_ = 0;      // While waiting for a slot (0: never waited).
  Clock::time_point start_ = Clock::now();
};

// Writes pages of one or several authors' logs (HubCore::PullPage); the
// next page is read from the store only after the previous one was written
// (the HTTP/2 window paces reads).
class PullReactor final : public grpc::ServerWriteReactor<pb::PullReply> {
 public:
  // `request` stays valid until OnDone (it is the call's).
  PullReactor(HubService* service, grpc::CallbackServerContext* context,
              const pb::PullRequest* request)
      : service_(service), context_(context), request_(request) {
    NextPage();
  }

  void OnWriteDone(bool ok) override {
    if (!ok) {
      return End(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                              "the client stopped reading"));
    }
    if (rest_offset_ < rest_.size()) return NextPiece();
    if (plan_->done()) return End(grpc::Status::OK);
    NextPage();
  }

  void OnDone() override { delete this; }

 private:
  void End(const grpc::Status& status) {
    service_->Observe("Pull", status.error_code(), Since(start_));
    Finish(status);
  }

  void NextPage() {
    auto task = [this] {
      if (context_->IsCancelled()) {
        return End(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled"));
      }
      if (!caller_) {
        Result<Caller> caller = service_->core().Authenticate(
            View(TokenOf(*context_)), context_->peer());
        if (!caller.ok()) return End(wire::ToGrpc(caller.status()));
        caller_ = std::move(*caller);
        Result<PullPlan> plan = service_->core().StartPull(*caller_, *request_);
        if (!plan.ok()) return End(wire::ToGrpc(plan.status()));
        plan_ = std::move(*plan);
      }
      Status page = service_->core().PullPage(*caller_, &*plan_, &reply_);
      if (!page.ok()) return End(wire::ToGrpc(page));
      if (reply_.objects_size() == 0) return End(grpc::Status::OK);
      pb::PulledObject& last =
          *reply_.mutable_objects(reply_.objects_size() - 1);
      if (last.data().size() > piece_bytes_) {
        // Larger than a piece (the store sends an object over the page
        // bound alone): its first piece now, the rest in the next replies.
        rest_ = std::move(*last.mutable_data());
        rest_offset_ = piece_bytes_;
        last.set_data(rest_.substr(0, piece_bytes_));
        last.set_continued(true);
      }
      StartWrite(&reply_);
    };
    if (!service_->executor().Submit(std::move(task))) {
      End(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                       "the hub is overloaded; retry with backoff"));
    }
  }

  // Writes the next piece of an object larger than a piece.
  void NextPiece() {
    // The object's name and size, from the reply that carried its last
    // piece (read before the reply is reused).
    const pb::PulledObject& last = reply_.objects(reply_.objects_size() - 1);
    const std::uint64_t author = last.author();
    const std::uint64_t seq = last.seq();
    const std::uint64_t object_size = last.size();
    const std::size_t size =
        std::min<std::size_t>(rest_.size() - rest_offset_, piece_bytes_);
    reply_.Clear();
    pb::PulledObject* out = reply_.add_objects();
    out->set_author(author);
    out->set_seq(seq);
    out->set_size(object_size);
    out->set_data(rest_.substr(rest_offset_, size));
    rest_offset_ += size;
    const bool more = rest_offset_ < rest_.size();
    out->set_continued(more);
    if (!more) {
      std::string().swap(rest_);
      rest_offset_ = 0;
    }
    StartWrite(&reply_);
  }

  HubService* service_;
  grpc::CallbackServerContext* context_;
  const pb::PullRequest* request_;
  const std::size_t piece_bytes_ =
      static_cast<std::size_t>(service_->core().options().max_piece_bytes);
  // An object being sent in pieces: its bytes and how many were sent.
  std::string rest_;
  std::size_t rest_offset_ = 0;
  std::optional<Caller> caller_;
  std::optional<PullPlan> plan_;
  pb::PullReply reply_;
  Clock::time_point start_ = Clock::now();
};

}  // namespace

grpc::ServerReadReactor<pb::PushRequest>* HubService::Push(
    grpc::CallbackServerContext* context, pb::PushReply* reply) {
  return new PushReactor(this, context, reply);
}

grpc::ServerWriteReactor<pb::PullReply>* HubService::Pull(
    grpc::CallbackServerContext* context, const pb::PullRequest* request) {
  return new PullReactor(this, context, request);
}

}  // namespace coven::hub::server
