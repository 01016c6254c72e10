// Latency samples, percentiles and error counts for the hub load bench.
#ifndef COVEN_BENCH_HUB_LOAD_STATS_H_
#define COVEN_BENCH_HUB_LOAD_STATS_H_

#include <grpcpp/support/status.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace coven::hub_bench {

using Clock = std::chrono::steady_clock;

/// Nanoseconds on the steady clock (one origin for the whole process).
inline std::int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             Clock::now().time_since_epoch())
      .count();
}

/// Milliseconds at the percentiles the report names.
struct Percentiles {
  std::size_t count = 0;
  double p50 = 0, p90 = 0, p99 = 0, p999 = 0, max = 0;
};

/// Sorts `ns` (nanoseconds) and reads the percentiles in milliseconds.
Percentiles Summarize(std::vector<std::int64_t> ns);

/// gRPC codes by name ("OK", "RESOURCE_EXHAUSTED", ...), thread safe.
class CodeCounts {
 public:
  void Add(grpc::StatusCode code);
  std::map<std::string, std::uint64_t> Get() const;
  std::uint64_t Count(grpc::StatusCode code) const;
  /// "OK=10 RESOURCE_EXHAUSTED=3"
  std::string Text() const;

 private:
  mutable std::mutex mutex_;
  std::map<grpc::StatusCode, std::uint64_t> counts_;
};

const char* CodeName(grpc::StatusCode code);

/// A fast 64-bit hash of bytes (the audit compares pushed and pulled bytes).
std::uint64_t HashBytes(const std::string& bytes);

/// Deterministic pseudo-random bytes for (device, seq).
std::string ObjectBytes(std::uint64_t device, std::uint64_t seq,
                        std::size_t size);

}  // namespace coven::hub_bench

#endif  // COVEN_BENCH_HUB_LOAD_STATS_H_
