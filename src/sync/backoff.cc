#include "sync/backoff.h"

#include <algorithm>

namespace coven::sync {

std::int64_t Backoff::Next(std::int64_t base_ms, std::int64_t max_ms) {
  base_ms = std::max<std::int64_t>(base_ms, 1);
  max_ms = std::max<std::int64_t>(max_ms, 1);
  ceiling_ = ceiling_ == 0 ? std::min(base_ms, max_ms)
                           : std::min(ceiling_ * 2, max_ms);
  return static_cast<std::int64_t>(
      entropy_.Uniform(static_cast<std::uint64_t>(ceiling_) + 1));
}

}  // namespace coven::sync
