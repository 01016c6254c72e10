// Membership: the library keys sealed to this member (key wraps in the home)
// and the ones it holds.
#include <algorithm>
#include <set>

#include "home/read_limits.h"
#include "members/key_wrap.h"
#include "members/membership.h"

namespace coven::members {
namespace {

// More wraps of one key than this are not a library's: a listing stops.
constexpr std::size_t kMaxWrapsPerKey = 1 << 16;

}  // namespace

Status Membership::FetchKeys(RefreshReport* report) {
  const MemberState& state = current();
  const MemberRecord* me = state.FindMember(MemberSign());
  if (me == nullptr || !me->active) return Status::Ok();
  const DeviceRecord* device = state.FindDevice(options_.device.public_key());
  // A removed device is sealed nothing new: asking every round is waste.
  if (device != nullptr && !device->active) return Status::Ok();
  const bool enrolled = device != nullptr;
  for (const crypto::KeyId& id : state.key_ids()) {
    if (keys_.count(id)) continue;
    // A future-only member is never sealed older keys: not asked for.
    if (!options_.history_before_join && KeyPredatesJoin(id)) continue;
    // The device's own wrap first (what daily sync uses); the member's
    // only while this device still holds the member seed (enrolling).
    bool got = false;
    if (enrolled) {
      COVEN_ASSIGN_OR_RETURN(got, TryUnwrap(id, options_.device.public_key(),
                                            device_box_, report));
    }
    if (!got && options_.member.has_seed()) {
      COVEN_ASSIGN_OR_RETURN(
          got, TryUnwrap(id, me->identity.sign, options_.member.box(), report));
    }
    if (!got && id == state.current_key_id()) {
      report->problems.push_back(
          "the current library key " + HexEncode(id) +
          " is not sealed to this device (the home lost its wrap?): a device "
          "that holds it seals it again in its next check of the home (its "
          "first sync, then hourly); `coven rotate-key` would not bring back "
          "what was sealed with it");
    }
  }
  return Status::Ok();
}

Result<std::size_t> Membership::RepairCurrentKeyWraps() {
  const MemberState& state = current();
  if (!state.has_genesis()) return std::size_t{0};
  const crypto::KeyId id = state.current_key_id();
  auto held = keys_.find(id);
  const DeviceRecord* device = state.FindDevice(options_.device.public_key());
  if (held == keys_.end() || device == nullptr || !device->active) {
    return std::size_t{0};
  }
  const std::string prefix = "keys/" + HexEncode(id) + "/";
  COVEN_ASSIGN_OR_RETURN(std::vector<home::ObjectInfo> listed,
                         home::ListAll(*home_, prefix, kMaxWrapsPerKey));
  std::set<std::string> present;
  for (const home::ObjectInfo& info : listed) present.insert(info.path);
  std::size_t sealed = 0;
  auto seal = [&](const PublicIdentity& recipient) -> Status {
    if (present.count(KeyWrapPath(id, recipient.sign))) return Status::Ok();
    COVEN_RETURN_IF_ERROR(WrapTo(held->second, recipient));
    ++sealed;
    return Status::Ok();
  };
  for (const MemberInfo& info : state.Members()) {
    Result<PublicIdentity> member = ParseIdentityHex(info.public_key);
    if (!member.ok()) continue;
    COVEN_RETURN_IF_ERROR(seal(*member));
    for (const crypto::PublicKey& key : state.ActiveDevicesOf(member->sign)) {
      COVEN_ASSIGN_OR_RETURN(PublicIdentity recipient, DeviceRecipient(key));
      COVEN_RETURN_IF_ERROR(seal(recipient));
    }
  }
  return sealed;
}

Result<bool> Membership::TryUnwrap(const crypto::KeyId& id,
                                   const crypto::PublicKey& recipient,
                                   const crypto::BoxKeyPair& box,
                                   RefreshReport* report) {
  const MemberState& state = current();
  const std::string path = KeyWrapPath(id, recipient);
  ++report->requests;
  Result<Bytes> bytes = home_->Get(path, home::kMaxKeyWrapBytes);
  if (!bytes.ok()) return false;
  Result<UnwrappedKey> unwrapped =
      UnwrapKey(*bytes, options_.library_id, id, recipient, box);
  if (!unwrapped.ok()) {
    report->problems.push_back(path +
                               " rejected: " + unwrapped.status().message());
    return false;
  }
  if (state.FindDevice(unwrapped->signer) == nullptr &&
      state.FindMember(unwrapped->signer) == nullptr) {
    report->problems.push_back(
        path + " rejected: signed by a key the member log does not know");
    return false;
  }
  COVEN_RETURN_IF_ERROR(AddKey(unwrapped->key));
  return true;
}

Status Membership::DropSeedWhenDone() {
  if (!options_.drop_member_seed || !options_.member.has_seed()) {
    return Status::Ok();
  }
  const MemberState& state = current();
  const DeviceRecord* device = state.FindDevice(options_.device.public_key());
  if (device == nullptr || !device->active) return Status::Ok();
  // Every key, not just the current one: without the seed, a key sealed to
  // the member only could never be opened here again.
  for (const crypto::KeyId& id : state.key_ids()) {
    const bool withheld = !options_.history_before_join && KeyPredatesJoin(id);
    if (keys_.count(id) == 0 && !withheld) return Status::Ok();
  }
  COVEN_RETURN_IF_ERROR(options_.drop_member_seed().Annotate(
      "dropping the member seed now that this device is enrolled"));
  ForgetMemberSeed();
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
        " yet; sync again. If the home lost its seal, a device that holds "
        "the key seals it again in its next check of the home (its first "
        "sync, then hourly)");
  }
  return it->second;
}

std::optional<crypto::LibraryKey> Membership::KeyFor(
    const crypto::KeyId& id) const {
  auto it = keys_.find(id);
  if (it == keys_.end()) return std::nullopt;
  return it->second;
}

bool Membership::KeyPredatesJoin(const crypto::KeyId& id) const {
  if (keys_.count(id)) return false;
  const MemberState& state = current();
  const MemberRecord* me = state.FindMember(MemberSign());
  if (me == nullptr || me->added_at == 0) return false;
  const MemberState* joined = log_.StateAt(me->added_at);
  if (joined == nullptr) return false;
  const std::vector<crypto::KeyId>& ids = state.key_ids();
  const auto key = std::find(ids.begin(), ids.end(), id);
  const auto join_key =
      std::find(ids.begin(), ids.end(), joined->current_key_id());
  return key != ids.end() && join_key != ids.end() && key < join_key;
}

}  // namespace coven::members
