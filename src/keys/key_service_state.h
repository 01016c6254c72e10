// Shared state of KeyService copies (private to src/keys).
#ifndef COVEN_KEYS_KEY_SERVICE_STATE_H_
#define COVEN_KEYS_KEY_SERVICE_STATE_H_

#include <array>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "coven/keys.h"
#include "coven/secret_store.h"

namespace coven::keys {

using Secret32 = std::array<std::uint8_t, 32>;

/// Secret names: the legacy 0600 hex file names under key_dir, also used as
/// SecretStore names.
inline constexpr char kDeviceSecret[] = "device.key";
inline constexpr char kMemberSecret[] = "member.key";
/// Written (32 zero bytes) when the member seed leaves the device: from then
/// on the seed is never re-created here.
inline constexpr char kMemberDropped[] = "member-dropped.key";
/// Written (32 zero bytes) by a restore: drop the seed once enrolled.
inline constexpr char kMemberEnrolOnly[] = "member-enrol-only.key";

struct KeyService::State {
  KeyCustody::Kind custody = KeyCustody::Kind::kFiles;
  bool dev_mode = false;
  std::string library_id;
  std::string key_dir;
  EntropyRef entropy;
  /// kPassphraseFile and kKeyring; null for kFiles (legacy hex files) and
  /// kMemory.
  std::shared_ptr<SecretStore> store;
  std::mutex mutex;
  std::optional<EncryptionKey> library_key;
  std::optional<DeviceKey> device_key;
  std::optional<Secret32> member_seed;
  bool member_dropped = false;     // dev_mode only; otherwise the marker
  bool member_enrol_only = false;  // dev_mode only; otherwise the marker
  std::map<std::string, EncryptionKey> received_keys;  // by key id hex
  /// Store custody: received keys live in create-once slots
  /// "received-key-<n>", n = 0, 1, ...; slots below this are loaded.
  std::size_t received_slots = 0;

  // All below: the caller holds `mutex`. Not used in dev_mode.

  /// "library-<library id>.key".
  std::string FoundingKeyName() const;
  /// The 32-byte secret `name`; nullopt when absent.
  Result<std::optional<Secret32>> Read(const std::string& name);
  /// Stores `secret` as `name`: OK if absent or already equal,
  /// kAlreadyExists (naming where) if a different value is stored.
  Status Create(const std::string& name, const Secret32& secret);
  /// Whether the member seed was dropped from this device.
  Result<bool> MemberDropped();
  /// Deletes the secret `name`; OK if absent.
  Status Remove(const std::string& name);
  /// The secret `name`, created from `entropy` when absent.
  Result<Secret32> LoadOrCreate(const std::string& name);
  /// Adds every stored received key to `received_keys`.
  Status LoadReceivedKeys();
  /// Stores a received key (OK if already stored).
  Status StoreReceivedKey(const EncryptionKey& key);
};

/// The key id of `key` in hex.
std::string KeyIdHex(const EncryptionKey& key);

}  // namespace coven::keys

#endif  // COVEN_KEYS_KEY_SERVICE_STATE_H_
