#include "hub/store/challenge_bounds.h"

#include <string>

namespace coven::hub::store {

Status CheckChallengeBounds(const Challenge& challenge,
                            const ChallengeBounds& bounds, std::int64_t total,
                            std::int64_t in_space) {
  if (in_space >= static_cast<std::int64_t>(bounds.per_space)) {
    return ResourceExhaustedError(
        "space " + challenge.space + " has " + std::to_string(in_space) +
        " registrations waiting (at most " + std::to_string(bounds.per_space) +
        "): retry once they expired, within a minute");
  }
  if (total >= static_cast<std::int64_t>(bounds.total)) {
    return ResourceExhaustedError("the hub has " + std::to_string(total) +
                                  " registrations waiting (at most " +
                                  std::to_string(bounds.total) +
                                  "): retry within a minute");
  }
  return Status::Ok();
}

}  // namespace coven::hub::store
