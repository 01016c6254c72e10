#include "coven/builtins.h"

#include "coven/keyring.h"
#include "coven/network_homes.h"

namespace coven {

void RegisterBuiltins() {
  home::RegisterNetworkHomes();
  keys::RegisterSecretServiceKeyring();
}

}  // namespace coven
