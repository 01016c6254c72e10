// Key custody for one device of one library (mirrors coven::keys).
//
// Four kinds of secret: the founding library key (32 bytes, shared by the
// library's devices, encrypts objects), library keys received through the
// member log, the device signing seed (Ed25519, never leaves the device) and
// the member seed. Where they live is the KeyCustody:
//   - kFiles (the default, and the bool constructor outside dev_mode): hex
//     files under `key_dir` created with mode 0600; a key file readable by
//     group or others is refused.
//   - kPassphraseFile: files under `key_dir` sealed with a passphrase
//     (Argon2id + XChaCha20-Poly1305, MakePassphraseFileSecretStore).
//   - kKeyring: the OS keyring through libsecret (MakeKeyringSecretStore).
//   - kMemory (dev_mode): only in memory (tests, throwaway demos).
// Names and layout: docs/format/key-custody.md section 6.
//
// Thread safety: all methods are thread-safe. Copies share the same keys.
#ifndef COVEN_KEYS_H_
#define COVEN_KEYS_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "coven/entropy.h"
#include "coven/passphrase_cost.h"
#include "coven/status.h"

namespace coven::keys {

/// The library's symmetric key. Locked in memory where the OS allows it
/// (sodium_mlock: kept out of swap and core dumps) and zeroed on
/// destruction; copies are locked too.
struct EncryptionKey {
  EncryptionKey();
  // Implicit, like the aggregate it was: EncryptionKey{bytes}.
  EncryptionKey(const std::array<std::uint8_t, 32>& key_bytes);  // NOLINT
  EncryptionKey(const EncryptionKey& other);
  EncryptionKey& operator=(const EncryptionKey& other);
  ~EncryptionKey();
  std::array<std::uint8_t, 32> bytes{};
};

/// A device's Ed25519 seed. Locked and zeroed like EncryptionKey.
struct DeviceKey {
  DeviceKey();
  DeviceKey(const std::array<std::uint8_t, 32>& key_seed);  // NOLINT
  DeviceKey(const DeviceKey& other);
  DeviceKey& operator=(const DeviceKey& other);
  ~DeviceKey();
  std::array<std::uint8_t, 32> seed{};
};

/// Where a KeyService keeps its secrets.
struct KeyCustody {
  enum class Kind { kFiles, kPassphraseFile, kKeyring, kMemory };
  Kind kind = Kind::kFiles;
  /// kPassphraseFile: the passphrase sealing every key file (required).
  std::string passphrase;
  /// kPassphraseFile: Argon2id cost for newly sealed files (reading uses the
  /// cost stored in each file).
  PassphraseCost cost = PassphraseCost::Interactive();
  /// kKeyring: the keyring scope attribute; empty means the library id.
  std::string keyring_scope;
};

/// "files", "passphrase", "keyring" or "memory".
std::string_view KeyCustodyName(KeyCustody::Kind kind);
/// The inverse of KeyCustodyName; kInvalidArgument listing the valid names.
Result<KeyCustody::Kind> ParseKeyCustodyKind(std::string_view name);

/// The keyring service attribute KeyService uses ("coven").
inline constexpr std::string_view kKeyringService = "coven";

class KeyService {
 public:
  /// `library_id`: 32 hex digits. `key_dir`: where key files live (ignored in
  /// dev_mode). `entropy`: null means SystemEntropy.
  KeyService(bool dev_mode, std::string library_id, std::string key_dir = {},
             EntropyRef entropy = nullptr);

  /// A KeyService keeping every secret in `custody`. `key_dir` is required
  /// for kFiles and kPassphraseFile. Errors: kInvalidArgument for a missing
  /// passphrase, key_dir or keyring scope; kUnavailable when kKeyring is
  /// asked for and no OS keyring is reachable (never a fallback to files).
  static Result<KeyService> WithCustody(KeyCustody custody,
                                        std::string library_id,
                                        std::string key_dir,
                                        EntropyRef entropy = nullptr);

  /// The library key, created on first use. Errors: kPermissionDenied for a
  /// key file with loose permissions or a wrong passphrase; kDataLoss for a
  /// damaged key file; kUnavailable/kDeadlineExceeded when the keyring does
  /// not answer; file-system errors.
  Result<EncryptionKey> get_or_create_encryption_key();

  /// Stores a library key received from another device (joining). Fails with
  /// kAlreadyExists if a different key is already stored.
  Status import_encryption_key(const EncryptionKey& key);

  /// This device's signing seed, created on first use. Errors as above.
  Result<DeviceKey> get_or_create_device_key();

  /// The seed of this device's member identity (member signing and sealing
  /// keys), created on first use. kFailedPrecondition once the seed was
  /// dropped (drop_member_seed), saying that the restore code is its only
  /// copy. Other errors as above.
  Result<std::array<std::uint8_t, 32>> get_or_create_member_seed();
  /// Whether drop_member_seed ran on this device.
  Result<bool> member_seed_dropped();
  /// Deletes the member seed from this device, leaving a marker so that it is
  /// never silently re-created. Afterwards the device syncs with its device
  /// key alone (library keys are sealed to each device); only a restore code
  /// can enrol a new device for the member. Idempotent.
  Status drop_member_seed();
  /// Marks the stored member seed as kept only until this device is enrolled
  /// (a restore): the sync manager then drops it once the device is in the
  /// member log and holds the current library key.
  Status set_member_seed_enrol_only();
  /// Whether set_member_seed_enrol_only ran (and the seed is still here).
  Result<bool> member_seed_enrol_only();
  /// Stores a member seed from a restore code (or a test fixture) before
  /// first use. kAlreadyExists if a different seed is already stored.
  Status import_member_seed(const std::array<std::uint8_t, 32>& seed);

  /// Stores a library key received through the member log (a key sealed to
  /// this member), named by its key id. Storing the same key twice is OK.
  Status store_library_key(const EncryptionKey& key);
  /// Every library key stored with store_library_key, plus the key of
  /// get_or_create_encryption_key if it exists. Errors as above.
  Result<std::vector<EncryptionKey>> library_keys();

  bool dev_mode() const;
  KeyCustody::Kind custody() const;
  /// One line naming the custody and its location; never a secret.
  std::string describe_custody() const;
  const std::string& library_id() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace coven::keys

#endif  // COVEN_KEYS_H_
