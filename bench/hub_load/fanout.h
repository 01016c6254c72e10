// The subscribing devices of the push phase: each holds a Subscribe stream
// that asks hints to carry the new objects (as the hub client does, up to
// max_hint_bytes; 0: heads only) and, on a hint, takes the objects it
// carried and Pulls the rest of every author whose head moved in one call
// (one Pull in flight per subscriber; what moves meanwhile goes in the
// next), recording when each seq was hinted and received (carried or
// pulled), and checking the bytes and that no seq is skipped.
#ifndef COVEN_BENCH_HUB_LOAD_FANOUT_H_
#define COVEN_BENCH_HUB_LOAD_FANOUT_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "hub_load/devices.h"
#include "hub_load/stats.h"

namespace coven::hub_bench {

/// What every author pushed: per author index, per seq, the commit time (0:
/// not acknowledged) and the hash of its bytes.
struct PushLedger {
  PushLedger(std::size_t authors, std::uint64_t max_seq);
  std::size_t authors;
  std::uint64_t max_seq;
  std::vector<std::int64_t> commit_ns;  // [author * (max_seq + 1) + seq]
  std::vector<std::uint64_t> hash;
  std::map<std::uint64_t, std::size_t> index_of;  // device id -> author
  std::size_t At(std::size_t author, std::uint64_t seq) const {
    return author * (max_seq + 1) + seq;
  }
};

class Subscriber {
 public:
  Subscriber(const Device& device, const PushLedger& ledger,
             std::uint32_t max_hint_bytes);
  ~Subscriber();
  /// Opens the stream; the first hint arrives soon after.
  void Start();
  /// Cancels the stream and waits for it and every Pull to end.
  void Stop();
  /// True once every author's pulled seq reached `through[author]`.
  bool CaughtUp(const std::vector<std::uint64_t>& through);

  // Called by the streams.
  void OnHint(const pb::Hint& hint, std::int64_t now);
  void OnPulled(const pb::PullReply& reply, std::int64_t now);
  void OnPullDone(const grpc::Status& status);
  void OnStreamDone(const grpc::Status& status);

  const Device& device() const { return device_; }
  std::vector<std::int64_t> hint_ns;  // [ledger.At(author, seq)]
  std::vector<std::int64_t> pull_ns;
  std::atomic<std::uint64_t> skipped{0};     // a seq after a gap
  std::atomic<std::uint64_t> duplicates{0};  // a seq pulled twice
  std::atomic<std::uint64_t> mismatched{0};  // other bytes than pushed, or
                                             // an author not asked for
  std::atomic<std::uint64_t> hints{0};
  std::atomic<std::uint64_t> carried{0};  // objects that came in hints
  CodeCounts pull_codes;
  grpc::Status stream_status;
  bool stopping = false;  // Stop was called (a CANCELLED end is expected)

 private:
  struct Cursor {
    std::uint64_t pulled = 0;
    std::uint64_t hinted = 0;
    std::uint64_t target = 0;
    bool asked = false;  // named in the Pull in flight
  };
  // Starts a Pull of every author behind its hinted head, unless one is in
  // flight.
  void StartPullLocked();
  // Records object `seq` of `author` as received now (pulled or carried).
  void ReceiveLocked(std::size_t author, std::uint64_t seq,
                     const std::string& data, std::int64_t now);
  // Receives the carried objects that follow what was received.
  void DrainCarriedLocked(std::size_t author, std::int64_t now);

  const Device& device_;
  const PushLedger& ledger_;
  const std::uint32_t max_hint_bytes_;
  // Carried objects that came ahead of a Pull still in flight: per author,
  // seq -> bytes.
  std::vector<std::map<std::uint64_t, std::string>> carried_;
  std::mutex mutex_;
  std::vector<Cursor> cursors_;
  std::vector<std::uint64_t> device_ids_;  // [author] -> device id
  bool pulling_ = false;
  int running_ = 0;  // the stream and Pulls in flight
  std::condition_variable idle_;
  class Stream;
  Stream* stream_ = nullptr;
};

}  // namespace coven::hub_bench

#endif  // COVEN_BENCH_HUB_LOAD_FANOUT_H_
