// remote::OverHome: the default Remote, over any Home.
//
// Heads and log objects are read with up to Capabilities::parallel_reads
// requests in flight (one at a time on a local home), within a byte budget
// per batch; the engine applies them in seq order whatever order they
// arrived in. Publishing is Create per object, then Replace of the head.
#include <algorithm>
#include <mutex>

#include "coven/remote.h"
#include "home/home_layout.h"
#include "home/read_limits.h"
#include "remote/fetch_pool.h"

namespace coven::remote {

namespace {

// The first bytes of a batch's budget each parallel read may use before it
// counts as large (and is read again alone, with the request's own limit).
constexpr std::uint64_t kMinShareBytes = 64 << 10;

class HomeRemote final : public Remote {
 public:
  HomeRemote(home::HomeRef home, OverHomeOptions options)
      : home_(std::move(home)), options_(options) {}

  Result<std::vector<Head>> ListHeads(std::uint64_t own_device,
                                      std::size_t max_heads) override {
    COVEN_ASSIGN_OR_RETURN(
        std::vector<home::ObjectInfo> listed,
        home::ListAll(*home_, home::layout::kHeadsPrefix, max_heads));
    std::vector<Head> heads(listed.size());
    std::vector<std::size_t> to_read;
    for (std::size_t i = 0; i < listed.size(); ++i) {
      Head& head = heads[i];
      head.path = std::move(listed[i].path);
      head.size = listed[i].size;
      head.device = home::layout::ParseHeadPath(head.path);
      if (!head.device) {
        head.status = InvalidArgumentError(head.path + " names no device");
      } else if (*head.device == own_device) {
        head.status = CancelledError("this device's own head is not read");
      } else if (head.size > home::kMaxHeadBytes) {
        head.status = home::TooLargeError(home_->Describe(), head.path,
                                          head.size, home::kMaxHeadBytes);
      } else {
        to_read.push_back(i);
      }
    }
    ForEachParallel(to_read.size(), Parallelism(), [&](std::size_t k) {
      Head& head = heads[to_read[k]];
      Result<Bytes> got = home_->Get(head.path, home::kMaxHeadBytes);
      if (got.ok()) {
        head.bytes = std::move(*got);
      } else {
        head.status = got.status();
      }
    });
    return heads;
  }

  Result<std::vector<LogObject>> FetchLog(
      const FetchRequest& request) override {
    if (request.max_object_bytes == 0) {
      return InvalidArgumentError("FetchLog: max_object_bytes is 0");
    }
    std::vector<LogObject> out;
    if (request.after_seq >= request.through_seq) return out;
    std::size_t count = options_.batch_objects;
    if (request.max_objects > 0) count = std::min(count, request.max_objects);
    count = static_cast<std::size_t>(
        std::min<std::uint64_t>(std::max<std::size_t>(count, 1),
                                request.through_seq - request.after_seq));
    std::vector<std::string> paths;
    for (std::size_t k = 1; k <= count; ++k) {
      paths.push_back(
          home::layout::LogPath(request.author, request.after_seq + k));
    }
    const std::size_t threads = Parallelism();
    ReadLimits limits;
    limits.threads = threads;
    limits.budget = std::max<std::uint64_t>(options_.batch_bytes, 1);
    limits.max_bytes = request.max_object_bytes;
    if (threads > 1) {
      // In flight, each read may hold its share of the budget; a larger
      // object is read again below, alone, with the request's limit.
      limits.max_bytes =
          std::min(request.max_object_bytes,
                   std::max(kMinShareBytes, limits.budget / threads));
    }
    std::vector<Read> reads = ReadInOrder(*home_, paths, limits);
    for (std::size_t i = 0; i < reads.size(); ++i) {
      Read& read = reads[i];
      if (read.status.code() == StatusCode::kResourceExhausted &&
          limits.max_bytes < request.max_object_bytes) {
        if (i > 0) {
          reads.resize(i);  // the next batch starts with it
          break;
        }
        Result<Bytes> again = home_->Get(read.path, request.max_object_bytes);
        read.status = again.status();
        read.bytes = again.ok() ? std::move(*again) : Bytes();
        reads.resize(1);
        break;
      }
    }
    for (std::size_t i = 0; i < reads.size(); ++i) {
      LogObject object;
      object.seq = request.after_seq + 1 + i;
      object.path = std::move(reads[i].path);
      object.status = std::move(reads[i].status);
      object.bytes = std::move(reads[i].bytes);
      out.push_back(std::move(object));
    }
    return out;
  }

  Published Publish(const std::vector<Outgoing>& objects,
                    const std::optional<Outgoing>& head) override {
    Published done;
    for (const Outgoing& object : objects) {
      done.status = home_->Create(object.path, object.bytes);
      if (!done.status.ok()) return done;
      ++done.objects;
    }
    if (head) {
      done.status = home_->Replace(head->path, head->bytes);
      done.head = done.status.ok();
    }
    return done;
  }

  Result<WaitOutcome> WaitForChange(std::int64_t) override {
    return WaitOutcome::kUnsupported;
  }

  std::string Describe() const override { return home_->Describe(); }

 private:
  std::size_t Parallelism() {
    if (options_.parallel_reads > 0) return options_.parallel_reads;
    // A network home may probe the server the first time it is asked.
    std::call_once(caps_once_, [this] {
      parallel_ =
          std::max<std::size_t>(home_->capabilities().parallel_reads, 1);
    });
    return parallel_;
  }

  home::HomeRef home_;
  OverHomeOptions options_;
  std::once_flag caps_once_;
  std::size_t parallel_ = 1;
};

}  // namespace

RemoteRef OverHome(home::HomeRef home, OverHomeOptions options) {
  return std::make_shared<HomeRemote>(std::move(home), options);
}

RemoteRef RemoteFor(home::HomeRef home, OverHomeOptions options) {
  if (auto* source = dynamic_cast<RemoteSource*>(home.get())) {
    return source->NativeRemote();
  }
  return OverHome(std::move(home), options);
}

}  // namespace coven::remote
