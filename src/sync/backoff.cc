#include "sync/backoff.h"

#include <algorithm>

namespace coven::sync {

Backoff::Backoff(std::int64_t base_ms, std::int64_t max_ms, Entropy& entropy)
    : base_ms_(std::max<std::int64_t>(base_ms, 1)),
      max_ms_(std::max<std::int64_t>(max_ms, 1)),
      entropy_(entropy) {}

std::int64_t Backoff::Next() {
  ceiling_ = ceiling_ == 0 ? std::min(base_ms_, max_ms_)
                           : std::min(ceiling_ * 2, max_ms_);
  return static_cast<std::int64_t>(
      entropy_.Uniform(static_cast<std::uint64_t>(ceiling_) + 1));
}

}  // namespace coven::sync
