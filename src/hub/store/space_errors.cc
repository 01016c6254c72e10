#include "hub/store/space_errors.h"

#include <string>

#include "coven/clock.h"

namespace coven::hub::store {

std::int64_t NowMs() { return clock::SystemClock().NowMillis(); }

Status NoSpace(std::string_view name) {
  return NotFoundError("no space \"" + std::string(name) + "\"");
}

Status ClaimedByAnother(std::string_view space) {
  return PermissionDeniedError(
      "space \"" + std::string(space) +
      "\" has no member log yet and was claimed by another device: choose "
      "another space name");
}

}  // namespace coven::hub::store
