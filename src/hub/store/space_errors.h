// What both stores say about spaces, and the clock they stamp claims with.
#ifndef COVEN_HUB_STORE_SPACE_ERRORS_H_
#define COVEN_HUB_STORE_SPACE_ERRORS_H_

#include <cstdint>
#include <string_view>

#include "coven/status.h"

namespace coven::hub::store {

/// The wall clock in milliseconds, as a space's created_ms.
std::int64_t NowMs();

/// kNotFound: the store has no space `name`.
Status NoSpace(std::string_view name);

/// kPermissionDenied: `space` has no member log yet and another device
/// founded it; the writer should choose another name.
Status ClaimedByAnother(std::string_view space);

}  // namespace coven::hub::store

#endif  // COVEN_HUB_STORE_SPACE_ERRORS_H_
