// Pieces shared by every SecretStore.
#include <string>

#include "coven/secret_store.h"

namespace coven::keys {

SecretStore::~SecretStore() = default;

Status ValidateSecretName(std::string_view name) {
  if (name.empty() || name.size() > 64) {
    return InvalidArgumentError("secret name '" +
                                std::string(name.substr(0, 80)) +
                                "' must be 1 to 64 characters long");
  }
  if (name.front() == '.') {
    return InvalidArgumentError("secret name '" + std::string(name) +
                                "' must not start with '.'");
  }
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) {
      return InvalidArgumentError(
          "secret name '" + std::string(name) +
          "' may contain only a-z, 0-9, '.', '_' and '-'");
    }
  }
  return Status::Ok();
}

}  // namespace coven::keys
