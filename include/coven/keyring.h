// The OS keyring backend (library coven::keyring): freedesktop Secret
// Service through libsecret.
//
// Most apps call coven::RegisterBuiltins() (coven/builtins.h) instead, which
// also registers the network homes.
#ifndef COVEN_KEYRING_H_
#define COVEN_KEYRING_H_

namespace coven::keys {

/// Installs the Secret Service backend behind MakeKeyringSecretStore
/// (secret_store.h), so that keyring key custody works. Built without
/// libsecret, the backend reports kUnavailable. Idempotent; thread safe.
void RegisterSecretServiceKeyring();

}  // namespace coven::keys

#endif  // COVEN_KEYRING_H_
