// SecretStore: where a device keeps the secrets that unlock a library
// (member key seeds, library keys, storage credentials).
//
// A store maps names ([a-z0-9._-]{1,64}, not starting with '.') to secret
// bytes. Put is create-once: it never replaces a different value, so two
// processes racing to create a key cannot both win. Choose the store by
// threat model:
//   - memory:     dev mode and tests; secrets vanish with the process.
//   - file:       one 0600 file per name in a 0700 directory; protected by
//                 file permissions only (like an SSH key without a
//                 passphrase).
//   - passphrase: the same files, each sealed with Argon2id +
//                 XChaCha20-Poly1305 under a passphrase.
//   - keyring:    the OS keyring through the freedesktop Secret Service
//                 (GNOME Keyring, KWallet) via libsecret. It lives in its own
//                 library (coven::keyring) and is installed into the core by
//                 coven::RegisterBuiltins() (coven/builtins.h).
// Formats: docs/format/key-custody.md.
//
// Ownership: factories return shared_ptr; a store holds no resources that
// need closing beyond its own lifetime. Returned secrets are copies owned by
// the caller, who should sodium_memzero them when done.
//
// Thread safety: every store is safe to use from several threads at once.
// File-based stores are also safe across processes sharing a directory.
#ifndef COVEN_SECRET_STORE_H_
#define COVEN_SECRET_STORE_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "coven/bytes.h"
#include "coven/entropy.h"
#include "coven/passphrase_cost.h"
#include "coven/status.h"

namespace coven::keys {

/// Largest secret a store accepts.
inline constexpr std::size_t kMaxSecretBytes = 64 * 1024;

class SecretStore {
 public:
  virtual ~SecretStore();

  /// Stores `secret` under `name` if absent. OK if the same value is already
  /// stored; kAlreadyExists if a different one is. kInvalidArgument for a
  /// bad name or an empty or oversize (> kMaxSecretBytes) secret; other
  /// codes as Get.
  virtual Status Put(std::string_view name, ByteView secret) = 0;

  /// The secret stored under `name`. kNotFound if absent; kInvalidArgument
  /// for a bad name; kPermissionDenied for a file others can read or a wrong
  /// passphrase; kDataLoss for a damaged file; kUnavailable or
  /// kDeadlineExceeded when the OS keyring does not answer.
  virtual Result<Bytes> Get(std::string_view name) = 0;

  /// Deletes the secret under `name`. OK if absent.
  virtual Status Remove(std::string_view name) = 0;

  /// A one-line human description (kind and location). Never contains a
  /// secret or a passphrase.
  virtual std::string Describe() const = 0;
};

/// OK if `name` is a valid secret name, else kInvalidArgument saying why.
Status ValidateSecretName(std::string_view name);

/// An in-process store for dev mode and tests. Secrets are zeroed when
/// removed or when the store is destroyed.
std::shared_ptr<SecretStore> MakeMemorySecretStore();

/// Files under `dir` (created 0700 on first Put): one file per name, mode
/// 0600, created atomically (temporary file, fsync, link). Refuses with
/// kPermissionDenied, naming the chmod fix, a directory or file that group or
/// others can access.
std::shared_ptr<SecretStore> MakeFileSecretStore(std::string dir);

/// Like MakeFileSecretStore, but each file's content is sealed with
/// `passphrase` (Argon2id at `cost`, salt and nonce from `entropy`). A wrong
/// passphrase gives kPermissionDenied. An invalid `cost` or empty passphrase
/// makes every Put fail with kInvalidArgument.
std::shared_ptr<SecretStore> MakePassphraseFileSecretStore(
    std::string dir, std::string passphrase, PassphraseCost cost,
    EntropyRef entropy);

/// The OS keyring via libsecret: items of schema "org.coven.Secret" with
/// string attributes service=`service`, scope=`scope`, name=<name>.
/// kInvalidArgument for an empty `service` or `scope`. kUnavailable, with a
/// message pointing to the file and passphrase stores, when no keyring
/// backend is registered (see RegisterKeyringSecretStore), coven was built
/// without libsecret or no Secret Service is reachable (no D-Bus session
/// bus, no keyring daemon). Every keyring call is bounded by a timeout and
/// reports kDeadlineExceeded instead of hanging.
Result<std::shared_ptr<SecretStore>> MakeKeyringSecretStore(std::string service,
                                                            std::string scope);

/// Opens the OS keyring store for (`service`, `scope`), both non-empty.
using KeyringStoreFactory = std::function<Result<std::shared_ptr<SecretStore>>(
    std::string service, std::string scope)>;

/// Makes `factory` the backend of MakeKeyringSecretStore (and so of keyring
/// key custody), replacing any earlier one; an empty `factory` removes it.
/// coven::RegisterBuiltins() installs the Secret Service backend. Thread
/// safe.
void RegisterKeyringSecretStore(KeyringStoreFactory factory);

}  // namespace coven::keys

#endif  // COVEN_SECRET_STORE_H_
