// KeyService: the member seed and the library keys received through the
// member log.
#include <mutex>

#include "coven/keys.h"
#include "crypto/crypto.h"
#include "keys/key_service_state.h"

namespace coven::keys {

Result<std::array<std::uint8_t, 32>> KeyService::get_or_create_member_seed() {
  COVEN_RETURN_IF_ERROR(crypto::EnsureSodium());
  std::lock_guard<std::mutex> lock(state_->mutex);
  if (state_->member_seed) return *state_->member_seed;
  Secret32 seed{};
  if (state_->dev_mode) {
    state_->entropy->Fill(seed);
  } else {
    COVEN_ASSIGN_OR_RETURN(seed, state_->LoadOrCreate(kMemberSecret));
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
    Status created = state_->Create(kMemberSecret, seed);
    if (created.code() == StatusCode::kAlreadyExists) return conflict();
    COVEN_RETURN_IF_ERROR(created);
  }
  state_->member_seed = seed;
  return Status::Ok();
}

Status KeyService::store_library_key(const EncryptionKey& key) {
  COVEN_RETURN_IF_ERROR(crypto::EnsureSodium());
  std::lock_guard<std::mutex> lock(state_->mutex);
  if (state_->received_keys.count(KeyIdHex(key))) return Status::Ok();
  if (state_->dev_mode) {
    state_->received_keys[KeyIdHex(key)] = key;
    return Status::Ok();
  }
  return state_->StoreReceivedKey(key);
}

Result<std::vector<EncryptionKey>> KeyService::library_keys() {
  COVEN_RETURN_IF_ERROR(crypto::EnsureSodium());
  std::lock_guard<std::mutex> lock(state_->mutex);
  if (!state_->dev_mode) {
    COVEN_RETURN_IF_ERROR(state_->LoadReceivedKeys());
    if (!state_->library_key) {
      COVEN_ASSIGN_OR_RETURN(std::optional<Secret32> founding,
                             state_->Read(state_->FoundingKeyName()));
      if (founding) state_->library_key = EncryptionKey{*founding};
    }
  }
  std::vector<EncryptionKey> out;
  for (const auto& [id, key] : state_->received_keys) out.push_back(key);
  if (state_->library_key) out.push_back(*state_->library_key);
  return out;
}

}  // namespace coven::keys
