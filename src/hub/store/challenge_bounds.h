// The bounds on waiting registration challenges, the same for every store.
#ifndef COVEN_HUB_STORE_CHALLENGE_BOUNDS_H_
#define COVEN_HUB_STORE_CHALLENGE_BOUNDS_H_

#include <cstdint>

#include "coven/status.h"
#include "hub/store/store.h"

namespace coven::hub::store {

/// OK when `challenge` may be stored beside `total` live challenges, of
/// which `in_space` are of its space; kResourceExhausted saying which
/// bound it passed and what to do otherwise.
Status CheckChallengeBounds(const Challenge& challenge,
                            const ChallengeBounds& bounds, std::int64_t total,
                            std::int64_t in_space);

}  // namespace coven::hub::store

#endif  // COVEN_HUB_STORE_CHALLENGE_BOUNDS_H_
