// Backoff: how long the background loop waits after failed rounds.
// Exponential with full jitter: after the n-th failure in a row the wait is
// uniform in [0, min(base * 2^(n-1), max)], drawn from the injected
// entropy, so a test that seeds it knows every wait.
#ifndef COVEN_SRC_SYNC_BACKOFF_H_
#define COVEN_SRC_SYNC_BACKOFF_H_

#include <cstdint>

#include "coven/entropy.h"

namespace coven::sync {

class Backoff {
 public:
  /// `entropy` must outlive this object.
  explicit Backoff(Entropy& entropy) : entropy_(entropy) {}

  /// After one more failure: the wait before the next try. `base_ms` and
  /// `max_ms` as Config::retry_base_ms and retry_max_ms now (the
  /// configuration may change between rounds; values below 1 count as 1).
  std::int64_t Next(std::int64_t base_ms, std::int64_t max_ms);
  /// The bound of the wait Next() returned last (0 before any failure).
  std::int64_t ceiling() const { return ceiling_; }
  /// After a success: the next failure waits at most `base_ms` again.
  void Reset() { ceiling_ = 0; }

 private:
  Entropy& entropy_;
  std::int64_t ceiling_ = 0;
};

}  // namespace coven::sync

#endif  // COVEN_SRC_SYNC_BACKOFF_H_
