// MakeKeyringSecretStore: the core's door to the OS keyring backend, which
// lives in its own library (src/keyring/) and registers itself here.
#include <mutex>
#include <utility>

#include "coven/secret_store.h"

namespace coven::keys {
namespace {

struct Backend {
  std::mutex mutex;
  KeyringStoreFactory factory;  // Under mutex.
};

Backend& TheBackend() {
  static Backend* backend = new Backend;
  return *backend;
}

}  // namespace

void RegisterKeyringSecretStore(KeyringStoreFactory factory) {
  Backend& backend = TheBackend();
  std::lock_guard<std::mutex> lock(backend.mutex);
  backend.factory = std::move(factory);
}

Result<std::shared_ptr<SecretStore>> MakeKeyringSecretStore(std::string service,
                                                            std::string scope) {
  if (service.empty() || scope.empty()) {
    return InvalidArgumentError(
        "the keyring store needs a non-empty service and scope (for example "
        "the app id and the library id)");
  }
  KeyringStoreFactory factory;
  {
    Backend& backend = TheBackend();
    std::lock_guard<std::mutex> lock(backend.mutex);
    factory = backend.factory;
  }
  if (!factory) {
    return UnavailableError(
        "no OS keyring (Secret Service) is reachable: no keyring backend is "
        "linked into this program (link coven::coven and call "
        "coven::RegisterBuiltins() once at start); use the file or "
        "passphrase store");
  }
  return factory(std::move(service), std::move(scope));
}

}  // namespace coven::keys
