// Key custody for one device of one library (mirrors coven::keys).
//
// Two secrets: the library key (32 bytes, shared by the library's devices,
// encrypts every object) and the device signing key (an Ed25519 seed, never
// leaves the device, signs every object this device writes). Outside
// dev_mode both live in files under `key_dir` created with mode 0600; a key
// file readable by group or others is refused. In dev_mode they live only in
// memory (tests, throwaway demos).
//
// Thread safety: all methods are thread-safe. Copies share the same keys.
#ifndef COVEN_KEYS_H_
#define COVEN_KEYS_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "coven/entropy.h"
#include "coven/status.h"

namespace coven::keys {

/// The library's symmetric key.
struct EncryptionKey {
  std::array<std::uint8_t, 32> bytes{};
};

/// A device's Ed25519 seed.
struct DeviceKey {
  std::array<std::uint8_t, 32> seed{};
};

class KeyService {
 public:
  /// `library_id`: 32 hex digits. `key_dir`: where key files live (ignored in
  /// dev_mode). `entropy`: null means SystemEntropy.
  KeyService(bool dev_mode, std::string library_id, std::string key_dir = {},
             EntropyRef entropy = nullptr);

  /// The library key, created on first use. Errors: kPermissionDenied for a
  /// key file with loose permissions; kDataLoss for a damaged key file;
  /// file-system errors.
  Result<EncryptionKey> get_or_create_encryption_key();

  /// Stores a library key received from another device (joining). Fails with
  /// kAlreadyExists if a different key is already stored.
  Status import_encryption_key(const EncryptionKey& key);

  /// This device's signing seed, created on first use. Errors as above.
  Result<DeviceKey> get_or_create_device_key();

  /// The seed of this device's member identity (member signing and sealing
  /// keys), created on first use. Errors as above.
  Result<std::array<std::uint8_t, 32>> get_or_create_member_seed();
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
  const std::string& library_id() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace coven::keys

#endif  // COVEN_KEYS_H_
