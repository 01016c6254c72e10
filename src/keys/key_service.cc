#include <sodium.h>

#include <mutex>
#include <optional>

#include "coven/encryption.h"
#include "coven/keys.h"
#include "crypto/crypto.h"
#include "crypto/secret.h"
#include "keys/key_service_state.h"

namespace coven::keys {

namespace {

// Locks a 32-byte key buffer (best effort: a failed mlock, say over
// RLIMIT_MEMLOCK, leaves it unlocked but still zeroed at the end).
void LockKey(std::array<std::uint8_t, 32>& key) {
  sodium_mlock(key.data(), key.size());
}

// sodium_munlock zeroes the buffer before unlocking it (and zeroes it
// even when the lock had failed).
void ReleaseKey(std::array<std::uint8_t, 32>& key) {
  sodium_munlock(key.data(), key.size());
}

}  // namespace

EncryptionKey::EncryptionKey() { LockKey(bytes); }
EncryptionKey::EncryptionKey(const std::array<std::uint8_t, 32>& key_bytes)
    : bytes(key_bytes) {
  LockKey(bytes);
}
EncryptionKey::EncryptionKey(const EncryptionKey& other) : bytes(other.bytes) {
  LockKey(bytes);
}
EncryptionKey& EncryptionKey::operator=(const EncryptionKey& other) {
  bytes = other.bytes;  // each buffer keeps its own lock
  return *this;
}
EncryptionKey::~EncryptionKey() { ReleaseKey(bytes); }

DeviceKey::DeviceKey() { LockKey(seed); }
DeviceKey::DeviceKey(const std::array<std::uint8_t, 32>& key_seed)
    : seed(key_seed) {
  LockKey(seed);
}
DeviceKey::DeviceKey(const DeviceKey& other) : seed(other.seed) {
  LockKey(seed);
}
DeviceKey& DeviceKey::operator=(const DeviceKey& other) {
  seed = other.seed;
  return *this;
}
DeviceKey::~DeviceKey() { ReleaseKey(seed); }

KeyService::KeyService(bool dev_mode, std::string library_id,
                       std::string key_dir, EntropyRef entropy)
    : state_(std::make_shared<State>()) {
  state_->custody =
      dev_mode ? KeyCustody::Kind::kMemory : KeyCustody::Kind::kFiles;
  state_->dev_mode = dev_mode;
  state_->library_id = std::move(library_id);
  state_->key_dir = std::move(key_dir);
  state_->entropy =
      entropy ? std::move(entropy) : std::make_shared<SystemEntropy>();
}

bool KeyService::dev_mode() const { return state_->dev_mode; }
const std::string& KeyService::library_id() const { return state_->library_id; }

Result<EncryptionKey> KeyService::get_or_create_encryption_key() {
  COVEN_RETURN_IF_ERROR(crypto::EnsureSodium());
  std::lock_guard<std::mutex> lock(state_->mutex);
  if (state_->library_key) return *state_->library_key;
  EncryptionKey key;
  if (state_->dev_mode) {
    state_->entropy->Fill(key.bytes);
  } else {
    COVEN_ASSIGN_OR_RETURN(key.bytes,
                           state_->LoadOrCreate(state_->FoundingKeyName()));
  }
  state_->library_key = key;
  return key;
}

Status KeyService::import_encryption_key(const EncryptionKey& key) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  auto conflict = [&] {
    return AlreadyExistsError(
        "a different library key is already stored for library " +
        state_->library_id + " (" + describe_custody() + ")");
  };
  if (state_->library_key) {
    return state_->library_key->bytes == key.bytes ? Status::Ok() : conflict();
  }
  if (!state_->dev_mode) {
    Status created = state_->Create(state_->FoundingKeyName(), key.bytes);
    if (created.code() == StatusCode::kAlreadyExists) return conflict();
    COVEN_RETURN_IF_ERROR(created);
  }
  state_->library_key = key;
  return Status::Ok();
}

Result<DeviceKey> KeyService::get_or_create_device_key() {
  COVEN_RETURN_IF_ERROR(crypto::EnsureSodium());
  std::lock_guard<std::mutex> lock(state_->mutex);
  if (state_->device_key) return *state_->device_key;
  DeviceKey key;
  if (state_->dev_mode) {
    state_->entropy->Fill(key.seed);
  } else {
    COVEN_ASSIGN_OR_RETURN(key.seed, state_->LoadOrCreate(kDeviceSecret));
  }
  state_->device_key = key;
  return key;
}

}  // namespace coven::keys

namespace coven::encryption {

EncryptionService::EncryptionService(const keys::EncryptionKey& key)
    : key_(key) {}

std::string EncryptionService::key_id_hex() const {
  crypto::LibraryKey library_key(key_.bytes);
  crypto::KeyId id = library_key.id();
  return HexEncode(id);
}

}  // namespace coven::encryption
