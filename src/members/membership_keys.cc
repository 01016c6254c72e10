// Membership: the library keys sealed to this member (key wraps in the home)
// and the ones it holds.
#include <algorithm>
#include <set>

#include "home/read_limits.h"
#include "members/key_wrap.h"
#include "members/membership.h"

namespace coven::members {
namespace {

// A listing of the current key's wraps stops past four per recipient,
// and never below this.
constexpr std::size_t kMinWrapListing = 1024;

}  // namespace

Status Membership::FetchKeys(RefreshReport* report) {
  const MemberState& state = current();
  const MemberRecord* me = state.FindMember(MemberSign());
  if (me == nullptr || !me->active) return Status::Ok();
  const DeviceRecord* device = state.FindDevice(options_.device.public_key());
  // A removed device is sealed nothing new: asking every round is waste.
  if (device != nullptr && !device->active) return Status::Ok();
  const bool enrolled = device != nullptr;
  current_key_unread_ = false;
  current_key_rejected_.clear();
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
    // A current key not found here is the round's waiting line
    // (MissingCurrentKey), not a note.
  }
  return Status::Ok();
}

Result<std::size_t> Membership::RepairCurrentKeyWraps(std::size_t* requests) {
  const MemberState& state = current();
  if (!state.has_genesis()) return std::size_t{0};
  const crypto::KeyId id = state.current_key_id();
  auto held = keys_.find(id);
  const DeviceRecord* device = state.FindDevice(options_.device.public_key());
  if (held == keys_.end() || device == nullptr || !device->active) {
    return std::size_t{0};
  }
  std::vector<Status> failures;
  COVEN_ASSIGN_OR_RETURN(
      std::vector<PublicIdentity> recipients,
      KeyRecipients(crypto::PublicKey{}, crypto::PublicKey{}, &failures));
  // The current key's wraps are its recipients' (a few more while a
  // rotation races an enrollment). Past that the folder holds files that
  // are not coven's: then every wrap is written create-once instead, which
  // finds the ones that are there.
  const std::size_t most =
      std::max<std::size_t>(kMinWrapListing, 4 * recipients.size());
  const std::string prefix = "keys/" + HexEncode(id) + "/";
  ++*requests;
  Result<std::vector<home::ObjectInfo>> listed =
      home::ListAll(*home_, prefix, most);
  if (!listed.ok() &&
      listed.status().code() != StatusCode::kResourceExhausted) {
    return listed.status();
  }
  std::set<std::string> present;
  if (listed.ok()) {
    for (const home::ObjectInfo& info : *listed) present.insert(info.path);
  }
  std::size_t sealed = 0;
  for (const PublicIdentity& recipient : recipients) {
    const std::string path = KeyWrapPath(id, recipient.sign);
    if (present.count(path)) continue;
    // One failure does not keep the others from their key.
    Result<Bytes> wrap =
        WrapKey(options_.library_id, held->second, recipient, options_.device);
    if (!wrap.ok()) {
      failures.push_back(wrap.status().Annotate("sealing it to " +
                                                MemberIdHex(recipient.sign)));
      continue;
    }
    ++*requests;
    Status created = home_->Create(path, *wrap);
    if (created.ok()) {
      ++sealed;
    } else if (created.code() != StatusCode::kAlreadyExists) {
      failures.push_back(
          created.Annotate("sealing it to " + MemberIdHex(recipient.sign)));
    }
  }
  if (!failures.empty()) {
    return failures.front().Annotate(std::to_string(failures.size()) +
                                     " missing wrap(s) of the current "
                                     "key could not be sealed (" +
                                     std::to_string(sealed) +
                                     " were); the first failure");
  }
  return sealed;
}

Result<bool> Membership::TryUnwrap(const crypto::KeyId& id,
                                   const crypto::PublicKey& recipient,
                                   const crypto::BoxKeyPair& box,
                                   RefreshReport* report) {
  const MemberState& state = current();
  const bool current_key = id == state.current_key_id();
  const std::string path = KeyWrapPath(id, recipient);
  ++report->requests;
  Result<Bytes> bytes = home_->Get(path, home::kMaxKeyWrapBytes);
  if (!bytes.ok()) {
    if (bytes.status().code() != StatusCode::kNotFound && current_key) {
      // Not known to be missing: the next round reads it again.
      current_key_unread_ = true;
      report->problems.push_back("reading " + path + " failed (" +
                                 bytes.status().message() +
                                 "); tried again in the next round");
    }
    return false;
  }
  std::string rejected;
  Result<UnwrappedKey> unwrapped =
      UnwrapKey(*bytes, options_.library_id, id, recipient, box);
  if (!unwrapped.ok()) {
    rejected = unwrapped.status().message();
  } else if (state.FindDevice(unwrapped->signer) == nullptr &&
             state.FindMember(unwrapped->signer) == nullptr) {
    rejected = "signed by a key the member log does not know";
  }
  if (!rejected.empty()) {
    report->problems.push_back(path + " rejected: " + rejected);
    if (current_key) current_key_rejected_ = path + " (" + rejected + ")";
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

std::string Membership::MissingCurrentKey() const {
  const MemberState& state = current();
  if (!state.has_genesis() || current_key_unread_) return "";
  const crypto::KeyId& id = state.current_key_id();
  if (keys_.count(id)) return "";
  const MemberRecord* me = state.FindMember(MemberSign());
  const DeviceRecord* device = state.FindDevice(options_.device.public_key());
  if (me == nullptr || !me->active || device == nullptr || !device->active) {
    return "";
  }
  const std::string missing =
      "this device does not hold the current library key " + HexEncode(id);
  const std::string effect =
      ": it cannot open other devices' changes sealed with it and publishes "
      "none of its own (rows written here are kept and go out once it has "
      "the key)";
  if (!current_key_rejected_.empty()) {
    return missing + effect +
           ". Its wrap in the home was rejected: " + current_key_rejected_ +
           ". A device that holds the key seals it again only where no wrap "
           "is: delete that file from the home, then run `coven sync` on a "
           "device that holds the key";
  }
  return missing + effect +
         ". The home has no wrap of it for this device (a restore from an "
         "old backup, or a cleanup): a device that holds the key seals it "
         "again in its next check of the home (its first sync, then hourly: "
         "run `coven sync` there)";
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
