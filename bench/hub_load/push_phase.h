// The push phase: every pushing device publishes one ~1 KiB log object and
// its head per push, open-loop at a fixed total rate (push i of the whole
// run is due at start + i / rate; a device with a push still in flight
// queues the next and sends it when the reply comes, so the latency of a
// slow hub is measured from the due time: no coordinated omission). Rate 0
// is closed-loop: every device pushes again as soon as it has a reply.
#ifndef COVEN_BENCH_HUB_LOAD_PUSH_PHASE_H_
#define COVEN_BENCH_HUB_LOAD_PUSH_PHASE_H_

#include <cstdint>
#include <vector>

#include "hub_load/devices.h"
#include "hub_load/fanout.h"
#include "hub_load/stats.h"

namespace coven::hub_bench {

struct PushPhaseOptions {
  double rate = 5000;  ///< pushes per second over all devices; 0: closed
  std::uint64_t pushes_per_device = 1000;
  std::size_t object_bytes = 1024;
};

struct PushPhaseResult {
  double rate = 0;
  std::uint64_t offered = 0;
  std::uint64_t acknowledged = 0;
  double seconds = 0;  ///< first due time to last reply
  std::int64_t start_ns = 0, end_ns = 0;
  double objects_per_s = 0;
  Percentiles push;  ///< from the due time to the reply
  CodeCounts codes;
  double hub_cpu_s = 0;
  double client_cpu_s = 0;
};

/// Runs the phase for `pushers` from each one's next_seq (advanced here),
/// recording commit times and hashes in `ledger`; returns after the last
/// reply. A failed push is sent again (same seq, same bytes) at the next
/// due time.
void RunPushPhase(std::vector<Device*> pushers, const PushPhaseOptions& options,
                  PushLedger* ledger, PushPhaseResult* result);

}  // namespace coven::hub_bench

#endif  // COVEN_BENCH_HUB_LOAD_PUSH_PHASE_H_
