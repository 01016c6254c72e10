// The flood: many devices push large objects at once, far more than the
// hub's push buffer budget (64 MiB), each retrying at once after a
// refusal; the hub should answer RESOURCE_EXHAUSTED for part of them and
// keep its resident memory bounded.
#ifndef COVEN_BENCH_HUB_LOAD_FLOOD_PHASE_H_
#define COVEN_BENCH_HUB_LOAD_FLOOD_PHASE_H_

#include <sys/types.h>

#include <vector>

#include "hub_load/devices.h"
#include "hub_load/hub_process.h"
#include "hub_load/stats.h"

namespace coven::hub_bench {

struct FloodOptions {
  std::size_t object_bytes = 8u << 20;
  double seconds = 10;
};

struct FloodResult {
  std::size_t streams = 0;  ///< devices pushing at once
  std::size_t object_bytes = 0;
  double seconds = 0;
  CodeCounts codes;
  std::uint64_t stored_bytes = 0;
  Memory before;
  std::uint64_t peak_rss = 0;  ///< sampled every 20 ms
  std::uint64_t hwm_after = 0;
  bool hub_alive = true;
};

/// Floods from every device in `devices` for `options.seconds`.
void RunFloodPhase(const std::vector<Device*>& devices,
                   const FloodOptions& options, pid_t hub_pid,
                   FloodResult* result);

}  // namespace coven::hub_bench

#endif  // COVEN_BENCH_HUB_LOAD_FLOOD_PHASE_H_
