// Idle subscriptions: many Subscribe streams that receive their first hint
// and then nothing, and what they cost the hub in resident memory.
#ifndef COVEN_BENCH_HUB_LOAD_IDLE_PHASE_H_
#define COVEN_BENCH_HUB_LOAD_IDLE_PHASE_H_

#include <sys/types.h>

#include <vector>

#include "hub_load/devices.h"
#include "hub_load/hub_process.h"
#include "hub_load/stats.h"

namespace coven::hub_bench {

struct IdleResult {
  std::size_t streams = 0;  ///< asked for
  std::size_t opened = 0;   ///< received their first hint
  CodeCounts ended;         ///< streams that ended early, by code
  Memory before, after;
  double bytes_per_stream = 0;
  double open_seconds = 0;
};

/// Opens `streams` streams, at most 4 per device, round robin over
/// `devices`; measures the hub (`hub_pid`) before and once all are open.
void RunIdlePhase(const std::vector<Device*>& devices, std::size_t streams,
                  pid_t hub_pid, IdleResult* result);

}  // namespace coven::hub_bench

#endif  // COVEN_BENCH_HUB_LOAD_IDLE_PHASE_H_
