// What OpenHomeUrl needs from the registry beyond the public API.
#ifndef COVEN_HOME_HOME_REGISTRY_INTERNAL_H_
#define COVEN_HOME_HOME_REGISTRY_INTERNAL_H_

#include <string_view>

#include "coven/home_registry.h"

namespace coven::home {

/// The opener registered for `scheme`, or an empty function.
HomeOpener FindHomeOpener(std::string_view scheme);

}  // namespace coven::home

#endif  // COVEN_HOME_HOME_REGISTRY_INTERNAL_H_
