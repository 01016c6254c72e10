// KeyService: the member seed and the library keys received through the
// member log.
#include <sodium.h>

#include <cstring>
#include <filesystem>

#include "coven/keys.h"
#include "crypto/crypto.h"
#include "keys/key_file.h"
#include "keys/key_service_state.h"

namespace coven::keys {

namespace {

constexpr std::string_view kReceivedPrefix = "library-key-";

std::string KeyIdHex(const EncryptionKey& key) {
  return HexEncode(crypto::LibraryKey(key.bytes).id());
}

}  // namespace

Result<std::array<std::uint8_t, 32>> KeyService::get_or_create_member_seed() {
  COVEN_RETURN_IF_ERROR(crypto::EnsureSodium());
  std::lock_guard<std::mutex> lock(state_->mutex);
  if (state_->member_seed) return *state_->member_seed;
  std::array<std::uint8_t, 32> seed{};
  if (state_->dev_mode) {
    state_->entropy->Fill(seed);
  } else {
    COVEN_ASSIGN_OR_RETURN(
        seed, LoadOrCreate(state_->key_dir + "/member.key", *state_->entropy));
  }
  state_->member_seed = seed;
  return seed;
}

Status KeyService::import_member_seed(
    const std::array<std::uint8_t, 32>& seed) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  auto conflict = [] {
    return AlreadyExistsError(
        "this library directory already has a different member identity; "
        "restore into an empty directory");
  };
  if (state_->member_seed) {
    return *state_->member_seed == seed ? Status::Ok() : conflict();
  }
  if (!state_->dev_mode) {
    const std::string path = state_->key_dir + "/member.key";
    Status created = CreateKeyFile(path, seed);
    if (created.code() == StatusCode::kAlreadyExists) {
      COVEN_ASSIGN_OR_RETURN(std::optional<Bytes> existing,
                             ReadKeyFile(path, 32));
      if (!existing || std::memcmp(existing->data(), seed.data(), 32) != 0) {
        return conflict();
      }
    } else {
      COVEN_RETURN_IF_ERROR(created);
    }
  }
  state_->member_seed = seed;
  return Status::Ok();
}

Status KeyService::store_library_key(const EncryptionKey& key) {
  COVEN_RETURN_IF_ERROR(crypto::EnsureSodium());
  const std::string id = KeyIdHex(key);
  std::lock_guard<std::mutex> lock(state_->mutex);
  if (state_->received_keys.count(id)) return Status::Ok();
  if (!state_->dev_mode) {
    const std::string path =
        state_->key_dir + "/" + std::string(kReceivedPrefix) + id + ".key";
    Status created = CreateKeyFile(path, key.bytes);
    if (!created.ok() && created.code() != StatusCode::kAlreadyExists) {
      return created;
    }
  }
  state_->received_keys[id] = key;
  return Status::Ok();
}

Result<std::vector<EncryptionKey>> KeyService::library_keys() {
  COVEN_RETURN_IF_ERROR(crypto::EnsureSodium());
  std::lock_guard<std::mutex> lock(state_->mutex);
  if (!state_->dev_mode) {
    std::error_code ec;
    for (const auto& file :
         std::filesystem::directory_iterator(state_->key_dir, ec)) {
      const std::string name = file.path().filename().string();
      if (name.rfind(kReceivedPrefix, 0) != 0 || name.size() < 4 ||
          name.substr(name.size() - 4) != ".key") {
        continue;
      }
      COVEN_ASSIGN_OR_RETURN(std::optional<Bytes> bytes,
                             ReadKeyFile(file.path().string(), 32));
      if (!bytes) continue;
      EncryptionKey key;
      std::memcpy(key.bytes.data(), bytes->data(), 32);
      state_->received_keys[KeyIdHex(key)] = key;
    }
    if (!state_->library_key) {
      COVEN_ASSIGN_OR_RETURN(
          std::optional<Bytes> founding,
          ReadKeyFile(
              state_->key_dir + "/library-" + state_->library_id + ".key", 32));
      if (founding) {
        EncryptionKey key;
        std::memcpy(key.bytes.data(), founding->data(), 32);
        state_->library_key = key;
      }
    }
  }
  std::vector<EncryptionKey> out;
  for (const auto& [id, key] : state_->received_keys) out.push_back(key);
  if (state_->library_key) out.push_back(*state_->library_key);
  return out;
}

}  // namespace coven::keys
