// KeyService: the member seed and the library keys received through the
// member log.
#include <mutex>

#include "coven/keys.h"
#include "crypto/crypto.h"
#include "keys/key_service_state.h"

namespace coven::keys {

namespace {

Status DroppedError() {
  return FailedPreconditionError(
      "this device no longer keeps its member key (it left the device when a "
      "restore code was made, so that a stolen device is not the whole "
      "member); the restore code is its only copy");
}

}  // namespace

Result<bool> KeyService::State::MemberDropped() {
  if (dev_mode) return member_dropped;
  COVEN_ASSIGN_OR_RETURN(std::optional<Secret32> marker, Read(kMemberDropped));
  if (marker) {
    // A crash between the marker and the deletion left the seed: finish.
    COVEN_RETURN_IF_ERROR(Remove(kMemberSecret));
  }
  return marker.has_value();
}

Result<std::array<std::uint8_t, 32>> KeyService::get_or_create_member_seed() {
  COVEN_RETURN_IF_ERROR(crypto::EnsureSodium());
  std::lock_guard<std::mutex> lock(state_->mutex);
  if (state_->member_seed) return *state_->member_seed;
  COVEN_ASSIGN_OR_RETURN(bool dropped, state_->MemberDropped());
  if (dropped) return DroppedError();
  Secret32 seed{};
  if (state_->dev_mode) {
    state_->entropy->Fill(seed);
  } else {
    COVEN_ASSIGN_OR_RETURN(seed, state_->LoadOrCreate(kMemberSecret));
  }
  state_->member_seed = seed;
  return seed;
}

Result<bool> KeyService::member_seed_dropped() {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->MemberDropped();
}

Status KeyService::drop_member_seed() {
  std::lock_guard<std::mutex> lock(state_->mutex);
  if (state_->member_seed) {
    crypto::WipeMemory(state_->member_seed->data(), 32);
    state_->member_seed.reset();
  }
  if (state_->dev_mode) {
    state_->member_dropped = true;
    return Status::Ok();
  }
  // Marker first: a crash between the two leaves both, which reads as
  // dropped (and the next drop deletes the seed).
  COVEN_RETURN_IF_ERROR(state_->Create(kMemberDropped, Secret32{}));
  return state_->Remove(kMemberSecret);
}

Status KeyService::set_member_seed_enrol_only() {
  std::lock_guard<std::mutex> lock(state_->mutex);
  if (state_->dev_mode) {
    state_->member_enrol_only = true;
    return Status::Ok();
  }
  return state_->Create(kMemberEnrolOnly, Secret32{});
}

Result<bool> KeyService::member_seed_enrol_only() {
  std::lock_guard<std::mutex> lock(state_->mutex);
  COVEN_ASSIGN_OR_RETURN(bool dropped, state_->MemberDropped());
  if (dropped) return false;
  if (state_->dev_mode) return state_->member_enrol_only;
  COVEN_ASSIGN_OR_RETURN(std::optional<Secret32> marker,
                         state_->Read(kMemberEnrolOnly));
  return marker.has_value();
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
  COVEN_ASSIGN_OR_RETURN(bool dropped, state_->MemberDropped());
  if (dropped) return DroppedError();
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
