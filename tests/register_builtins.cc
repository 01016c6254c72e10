// The test binary opens every kind of home by URL and tries keyring
// custody, as an app does after coven::RegisterBuiltins(). Runs before main.
#include "coven/builtins.h"

namespace {

const bool kBuiltinsRegistered = [] {
  coven::RegisterBuiltins();
  return true;
}();

}  // namespace
