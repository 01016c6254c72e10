// The test binary opens every kind of home by URL and tries keyring
// custody, as an app does after coven::RegisterBuiltins(). Runs before main.
#include "coven/builtins.h"
#ifdef COVEN_WITH_HUB
#include "coven/hub_home.h"
#endif

namespace {

const bool kBuiltinsRegistered = [] {
  coven::RegisterBuiltins();
#ifdef COVEN_WITH_HUB
  coven::hub::RegisterHubHome();
#endif
  return true;
}();

}  // namespace
