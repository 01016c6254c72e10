// Timeouts and retries shared by the network homes (S3, WebDAV, rclone).
#ifndef COVEN_NETWORK_OPTIONS_H_
#define COVEN_NETWORK_OPTIONS_H_

#include <cstdint>

#include "coven/clock.h"
#include "coven/entropy.h"

namespace coven::home {

/// How a network home waits and retries. Each operation is tried up to
/// `max_attempts` times with full-jitter exponential backoff (honouring
/// Retry-After) on transient failures (connection errors, timeouts, 408, 409,
/// 429, 5xx); after that the operation fails with kUnavailable or
/// kDeadlineExceeded and the sync engine retries the round later. The waits
/// go through `clock` (a test clock makes them take no real time) and the
/// jitter comes from `entropy`.
struct NetworkOptions {
  int max_attempts = 4;
  std::int64_t retry_base_ms = 100;
  std::int64_t retry_cap_ms = 5'000;
  std::int64_t connect_timeout_ms = 10'000;
  /// Whole-request deadline (a slow server fails the attempt after this).
  std::int64_t request_timeout_ms = 120'000;
  /// Sleeps between attempts (SleepMillis); null: clock::SystemClock.
  /// The HTTP timeouts above are real time (libcurl's), whatever the clock.
  clock::ClockRef clock;
  /// Backoff jitter; null: SystemEntropy.
  EntropyRef entropy;
};

}  // namespace coven::home

#endif  // COVEN_NETWORK_OPTIONS_H_
