// The hub's Remote: ListHeads, Pull, one Push per Publish, Subscribe.
#include "hub/client/hub_remote.h"

#include <algorithm>
#include <string>
#include <utility>

#include "home/home_layout.h"
#include "home/read_limits.h"
#include "hub/client/hint_watch.h"
#include "hub/client/hub_push.h"

namespace coven::hub::client {
namespace {

// Most objects one FetchLog asks for, and the bytes after which it stops
// reading the rest of the stream (one larger object still comes alone).
constexpr std::size_t kBatchObjects = 256;
constexpr std::uint64_t kBatchBytes = 16ull << 20;

class HubRemote final : public remote::Remote {
 public:
  explicit HubRemote(std::shared_ptr<HubSession> session)
      : session_(std::move(session)), watch_(session_) {}

  Result<std::vector<remote::Head>> ListHeads(std::uint64_t own_device,
                                              std::size_t max_heads) override {
    v1::ListHeadsRequest request;
    v1::ListHeadsReply reply;
    COVEN_RETURN_IF_ERROR(
        session_->Call("list heads", true, [&](grpc::ClientContext& context) {
          return session_->stub().ListHeads(&context, request, &reply);
        }));
    watch_.Seen(reply);
    std::vector<remote::Head> heads;
    for (const v1::HeadEntry& entry : reply.heads()) {
      if (entry.head().empty()) continue;  // No head published yet.
      remote::Head head;
      head.path = home::layout::HeadPath(entry.device());
      head.device = entry.device();
      head.size = entry.head().size();
      if (entry.device() == own_device) {
        head.status = CancelledError("this device's own head is not read");
      } else if (head.size > home::kMaxHeadBytes) {
        head.status = home::TooLargeError(session_->describe(), head.path,
                                          head.size, home::kMaxHeadBytes);
      } else {
        head.bytes = ToBytes(entry.head());
      }
      heads.push_back(std::move(head));
    }
    if (heads.size() > max_heads) {
      return ResourceExhaustedError(
          session_->describe() + " lists " + std::to_string(heads.size()) +
          " heads, more than the " + std::to_string(max_heads) + " allowed");
    }
    std::sort(heads.begin(), heads.end(),
              [](const remote::Head& a, const remote::Head& b) {
                return a.path < b.path;
              });
    heads.erase(std::unique(heads.begin(), heads.end(),
                            [](const remote::Head& a, const remote::Head& b) {
                              return a.path == b.path;
                            }),
                heads.end());
    return heads;
  }

  Result<std::vector<remote::LogObject>> FetchLog(
      const remote::FetchRequest& request) override {
    if (request.max_object_bytes == 0) {
      return InvalidArgumentError("FetchLog: max_object_bytes is 0");
    }
    std::vector<remote::LogObject> out;
    if (request.after_seq >= request.through_seq) return out;
    // What a hint carried needs no Pull (the rest comes in the next call).
    out = watch_.hinted_objects().Take(request, kBatchBytes);
    if (!out.empty()) return out;
    std::size_t count = kBatchObjects;
    if (request.max_objects > 0) count = std::min(count, request.max_objects);
    count = static_cast<std::size_t>(std::min<std::uint64_t>(
        count, request.through_seq - request.after_seq));
    v1::PullRequest pull;
    pull.set_author(request.author);
    pull.set_after_seq(request.after_seq);
    pull.set_through_seq(request.through_seq);
    pull.set_max_object_bytes(request.max_object_bytes);
    pull.set_max_objects(static_cast<std::uint32_t>(count));
    const std::string what = "pull " + home::layout::LogPrefix(request.author);
    Status status =
        session_->Call(what, true, [&](grpc::ClientContext& context) {
          out.clear();
          std::uint64_t bytes = 0;
          bool enough = false;
          bool continuing = false;  // out.back() has more pieces to come
          auto reader = session_->stub().Pull(&context, pull);
          v1::PullReply page;
          while (!enough && reader->Read(&page)) {
            for (v1::PulledObject& pulled : *page.mutable_objects()) {
              if (continuing) {
                // The next piece of an object larger than a message.
                remote::LogObject& open = out.back();
                if (pulled.seq() != open.seq ||
                    open.bytes.size() + pulled.data().size() >
                        request.max_object_bytes) {
                  enough = true;
                  break;
                }
                open.bytes.insert(open.bytes.end(), pulled.data().begin(),
                                  pulled.data().end());
                bytes += pulled.data().size();
                continuing = pulled.continued();
                continue;
              }
              const std::uint64_t seq = request.after_seq + 1 + out.size();
              // Only consecutive seqs; a hub that skips one has not got it.
              if (pulled.seq() != seq || out.size() >= count ||
                  (!out.empty() &&
                   bytes + pulled.data().size() > kBatchBytes)) {
                enough = true;
                break;
              }
              remote::LogObject object;
              object.seq = seq;
              object.path = home::layout::LogPath(request.author, seq);
              if (pulled.too_large()) {
                object.status = home::TooLargeError(session_->describe(),
                                                    object.path, pulled.size(),
                                                    request.max_object_bytes);
              } else {
                bytes += pulled.data().size();
                object.bytes = ToBytes(pulled.data());
                continuing = pulled.continued();
              }
              out.push_back(std::move(object));
            }
          }
          // An object whose pieces did not all come is not returned.
          if (continuing) out.pop_back();
          if (enough) context.TryCancel();
          grpc::Status finished = reader->Finish();
          if (enough || (!finished.ok() && !out.empty()))
            return grpc::Status::OK;
          return finished;
        });
    if (status.code() == StatusCode::kInvalidArgument) return status;
    if (out.empty()) {
      // The batch names the first object it could not get.
      remote::LogObject missing;
      missing.seq = request.after_seq + 1;
      missing.path = home::layout::LogPath(request.author, missing.seq);
      missing.status = status.ok() ? NotFoundError(session_->describe() + ": " +
                                                   missing.path + " not found")
                                   : status;
      out.push_back(std::move(missing));
    }
    return out;
  }

  remote::Published Publish(
      const std::vector<remote::Outgoing>& objects,
      const std::optional<remote::Outgoing>& head) override {
    remote::Published done;
    Result<PushOutcome> pushed =
        PushObjects(*session_,
                    "publish " + std::to_string(objects.size()) + " objects" +
                        (head ? " and the head" : ""),
                    objects, head);
    if (!pushed.ok()) {
      done.status = pushed.status();
      return done;
    }
    done.objects = objects.size();
    done.head = head.has_value();
    return done;
  }

  Result<remote::WaitOutcome> WaitForChange(std::int64_t deadline_ms) override {
    return watch_.Wait(deadline_ms);
  }

  void CancelWait() override { watch_.Cancel(); }

  std::string Describe() const override { return session_->describe(); }

 private:
  const std::shared_ptr<HubSession> session_;
  HintWatch watch_;
};

}  // namespace

remote::RemoteRef MakeHubRemote(std::shared_ptr<HubSession> session) {
  return std::make_shared<HubRemote>(std::move(session));
}

}  // namespace coven::hub::client
