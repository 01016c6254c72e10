// Checks on secret values shared by the SecretStore implementations.
#ifndef COVEN_KEYS_SECRET_VALUE_H_
#define COVEN_KEYS_SECRET_VALUE_H_

#include <sodium.h>

#include "coven/bytes.h"
#include "coven/secret_store.h"
#include "coven/status.h"

namespace coven::keys {

/// kInvalidArgument for an empty secret or one above kMaxSecretBytes.
inline Status ValidateSecretValue(ByteView secret) {
  if (secret.empty()) {
    return InvalidArgumentError("refusing to store an empty secret");
  }
  if (secret.size() > kMaxSecretBytes) {
    return InvalidArgumentError("the secret is " +
                                std::to_string(secret.size()) +
                                " bytes; a store holds at most 64 KiB");
  }
  return Status::Ok();
}

/// Constant-time equality of two secrets.
inline bool SameSecret(ByteView a, ByteView b) {
  return a.size() == b.size() &&
         (a.empty() || sodium_memcmp(a.data(), b.data(), a.size()) == 0);
}

}  // namespace coven::keys

#endif  // COVEN_KEYS_SECRET_VALUE_H_
