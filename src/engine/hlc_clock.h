// The device's hybrid logical clock: issues strictly increasing stamps and
// merges stamps seen from other devices (docs/format/hlc.md).
//
// Thread safety: all methods are thread-safe.
#ifndef COVEN_ENGINE_HLC_CLOCK_H_
#define COVEN_ENGINE_HLC_CLOCK_H_

#include <cstdint>
#include <mutex>

#include "coven/clock.h"
#include "coven/hlc.h"
#include "coven/status.h"

namespace coven::engine {

class HlcClock {
 public:
  /// `max_drift_ms`: how far ahead of the local wall clock a remote stamp may
  /// be before Observe refuses it.
  HlcClock(clock::ClockRef clock, std::uint64_t device,
           std::int64_t max_drift_ms);

  /// A new stamp, greater than every stamp issued or observed so far.
  Hlc Now();

  /// Raises the floor so that later stamps sort after `seen`, without the
  /// drift check (used for stamps already stored locally).
  void Seed(const Hlc& seen);

  /// Merges a remote stamp. kFailedPrecondition when `remote` is more than
  /// max_drift_ms ahead of the local wall clock (the caller holds the object
  /// and retries once the clock has caught up).
  Status Observe(const Hlc& remote);

  /// True when `remote` is within the drift bound.
  bool WithinDrift(const Hlc& remote);

  /// The largest stamp issued or observed.
  Hlc Last();

  std::uint64_t device() const { return device_; }
  clock::Clock& wall() { return *clock_; }

 private:
  clock::ClockRef clock_;
  const std::uint64_t device_;
  const std::int64_t max_drift_ms_;
  std::mutex mutex_;
  Hlc last_;
};

}  // namespace coven::engine

#endif  // COVEN_ENGINE_HLC_CLOCK_H_
