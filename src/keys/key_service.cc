#include <cstring>
#include <mutex>
#include <optional>

#include "coven/encryption.h"
#include "coven/keys.h"
#include "crypto/crypto.h"
#include "keys/key_file.h"
#include "keys/key_service_state.h"

namespace coven::keys {

KeyService::KeyService(bool dev_mode, std::string library_id,
                       std::string key_dir, EntropyRef entropy)
    : state_(std::make_shared<State>()) {
  state_->dev_mode = dev_mode;
  state_->library_id = std::move(library_id);
  state_->key_dir = std::move(key_dir);
  state_->entropy =
      entropy ? std::move(entropy) : std::make_shared<SystemEntropy>();
}

bool KeyService::dev_mode() const { return state_->dev_mode; }
const std::string& KeyService::library_id() const { return state_->library_id; }

// Loads the 32-byte secret at `path`, creating it from `entropy` when absent.
Result<std::array<std::uint8_t, 32>> LoadOrCreate(const std::string& path,
                                                  Entropy& entropy) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    COVEN_ASSIGN_OR_RETURN(std::optional<Bytes> existing,
                           ReadKeyFile(path, 32));
    if (existing.has_value()) {
      std::array<std::uint8_t, 32> out{};
      std::memcpy(out.data(), existing->data(), 32);
      return out;
    }
    std::array<std::uint8_t, 32> fresh{};
    entropy.Fill(fresh);
    Status created = CreateKeyFile(path, fresh);
    if (created.ok()) return fresh;
    if (created.code() != StatusCode::kAlreadyExists) return created;
    // Lost a race with another process: read the winner's key.
  }
  return InternalError("key file " + path + " keeps changing");
}

Result<EncryptionKey> KeyService::get_or_create_encryption_key() {
  COVEN_RETURN_IF_ERROR(crypto::EnsureSodium());
  std::lock_guard<std::mutex> lock(state_->mutex);
  if (state_->library_key) return *state_->library_key;
  EncryptionKey key;
  if (state_->dev_mode) {
    state_->entropy->Fill(key.bytes);
  } else {
    COVEN_ASSIGN_OR_RETURN(key.bytes,
                           LoadOrCreate(state_->key_dir + "/library-" +
                                            state_->library_id + ".key",
                                        *state_->entropy));
  }
  state_->library_key = key;
  return key;
}

Status KeyService::import_encryption_key(const EncryptionKey& key) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  if (state_->library_key) {
    if (state_->library_key->bytes == key.bytes) return Status::Ok();
    return AlreadyExistsError(
        "a different library key is already stored for "
        "library " +
        state_->library_id);
  }
  if (!state_->dev_mode) {
    std::string path =
        state_->key_dir + "/library-" + state_->library_id + ".key";
    Status created = CreateKeyFile(path, key.bytes);
    if (created.code() == StatusCode::kAlreadyExists) {
      COVEN_ASSIGN_OR_RETURN(std::optional<Bytes> existing,
                             ReadKeyFile(path, 32));
      if (!existing ||
          std::memcmp(existing->data(), key.bytes.data(), 32) != 0) {
        return AlreadyExistsError(
            "a different library key is already stored "
            "in " +
            path);
      }
    } else {
      COVEN_RETURN_IF_ERROR(created);
    }
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
    COVEN_ASSIGN_OR_RETURN(
        key.seed,
        LoadOrCreate(state_->key_dir + "/device.key", *state_->entropy));
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
