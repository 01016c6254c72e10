// Membership: the library keys sealed to this member (key wraps in the home)
// and the ones it holds.
#include "home/read_limits.h"
#include "members/key_wrap.h"
#include "members/membership.h"

namespace coven::members {

Status Membership::FetchKeys(RefreshReport* report) {
  const MemberState& state = current();
  const MemberRecord* me =
      state.FindMember(options_.member.signer().public_key());
  if (me == nullptr || !me->active) return Status::Ok();
  for (const crypto::KeyId& id : state.key_ids()) {
    if (keys_.count(id)) continue;
    const std::string path =
        KeyWrapPath(id, options_.member.signer().public_key());
    ++report->requests;
    Result<Bytes> bytes = home_->Get(path, home::kMaxKeyWrapBytes);
    if (!bytes.ok()) {
      if (id == state.current_key_id()) {
        report->problems.push_back(
            "the current library key is not sealed to this member yet (" +
            path + ": " + bytes.status().ToString() + "); waiting");
      }
      continue;
    }
    Result<UnwrappedKey> unwrapped =
        UnwrapKey(*bytes, options_.library_id, id, options_.member);
    if (!unwrapped.ok()) {
      report->problems.push_back(path +
                                 " rejected: " + unwrapped.status().message());
      continue;
    }
    if (state.FindDevice(unwrapped->signer) == nullptr &&
        state.FindMember(unwrapped->signer) == nullptr) {
      report->problems.push_back(
          path + " rejected: signed by a key the member log does not know");
      continue;
    }
    COVEN_RETURN_IF_ERROR(AddKey(unwrapped->key));
  }
  return Status::Ok();
}

Status Membership::AddKey(const crypto::LibraryKey& key) {
  if (keys_.count(key.id())) return Status::Ok();
  if (options_.persist_key) COVEN_RETURN_IF_ERROR(options_.persist_key(key));
  keys_[key.id()] = key;
  return Status::Ok();
}

Result<crypto::LibraryKey> Membership::CurrentKey() const {
  const crypto::KeyId& id = current().current_key_id();
  auto it = keys_.find(id);
  if (it == keys_.end()) {
    return FailedPreconditionError(
        "this device does not hold the current library key " + HexEncode(id) +
        " yet; sync again once an Admin has sealed it to this member");
  }
  return it->second;
}

std::optional<crypto::LibraryKey> Membership::KeyFor(
    const crypto::KeyId& id) const {
  auto it = keys_.find(id);
  if (it == keys_.end()) return std::nullopt;
  return it->second;
}

}  // namespace coven::members
