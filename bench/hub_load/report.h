// The bench's results for one store: the fan-out figures and the audit
// computed from the ledger, a markdown table and one JSON line.
#ifndef COVEN_BENCH_HUB_LOAD_REPORT_H_
#define COVEN_BENCH_HUB_LOAD_REPORT_H_

#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "hub_load/fanout.h"
#include "hub_load/flood_phase.h"
#include "hub_load/idle_phase.h"
#include "hub_load/push_phase.h"

namespace coven::hub_bench {

struct FanoutResult {
  Percentiles hint;                     ///< push reply -> hint received
  Percentiles pull;                     ///< push reply -> object pulled
  std::uint64_t hint_before_reply = 0;  ///< hints that beat the reply
};

struct AuditResult {
  std::size_t subscribers = 0;
  std::uint64_t expected = 0;  ///< acknowledged objects x subscribers
  std::uint64_t pulled = 0;    ///< received, pulled or carried in a hint
  std::uint64_t carried = 0;   ///< of which carried in a hint
  std::uint64_t missing = 0, skipped = 0, duplicates = 0, mismatched = 0;
  std::uint64_t unacknowledged_pulled = 0;
  bool caught_up = false;
  std::uint64_t streams_failed = 0;  ///< Subscribe ended before Stop
  std::string stream_codes;
  bool ok() const {
    return caught_up && missing == 0 && skipped == 0 && mismatched == 0 &&
           streams_failed == 0;
  }
};

/// Fan-out of the pushes committed within [from_ns, to_ns].
FanoutResult Fanout(const PushLedger& ledger,
                    const std::vector<std::unique_ptr<Subscriber>>& subs,
                    std::int64_t from_ns, std::int64_t to_ns);

/// Every subscriber's pulled set against the acknowledged set.
AuditResult Audit(const PushLedger& ledger,
                  const std::vector<std::unique_ptr<Subscriber>>& subs,
                  bool caught_up);

struct BenchReport {
  std::string store;
  std::size_t devices = 0;
  std::size_t subscribers = 0;
  std::uint32_t max_hint_bytes = 0;
  std::size_t object_bytes = 0;
  double setup_seconds = 0;
  std::vector<PushPhaseResult*> pushes;
  std::vector<FanoutResult> fanouts;
  AuditResult audit;
  IdleResult* idle = nullptr;
  FloodResult* flood = nullptr;
};

void PrintMarkdown(const BenchReport& report, std::ostream& out);
void PrintJson(const BenchReport& report, std::ostream& out);

}  // namespace coven::hub_bench

#endif  // COVEN_BENCH_HUB_LOAD_REPORT_H_
