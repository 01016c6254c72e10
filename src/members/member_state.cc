#include "members/member_state.h"

#include <algorithm>

#include "coven/hlc.h"
#include "crypto/sealed_box.h"

namespace coven::members {

namespace {

Status Deny(const std::string& why) { return PermissionDeniedError(why); }

// Library keys are sealed to a member's sealing key (members.md §6).
Status CheckMemberBox(const crypto::PublicKey& box) {
  if (!crypto::CheckBoxPublicKey(box).ok()) {
    return InvalidArgumentError(
        "the member sealing key is a low-order X25519 point, so no library "
        "key can be sealed to it");
  }
  return Status::Ok();
}

std::string Who(const crypto::PublicKey& sign) {
  return "member " + MemberIdHex(sign);
}

bool IsZero(const crypto::KeyId& id) {
  return std::all_of(id.begin(), id.end(), [](auto b) { return b == 0; });
}

std::string RoleText(MemberRole role) { return std::string(RoleName(role)); }

}  // namespace

Status MemberState::Apply(const MemberEntry& e) {
  const std::uint64_t slot = position_ + 1;
  Status verdict = [&]() -> Status {
    if (e.type == EntryType::kGenesis) {
      if (slot != 1 || has_genesis_) {
        return Deny(
            "a second genesis entry (only slot 1 may create the "
            "library)");
      }
      return ApplyGenesis(e);
    }
    if (!has_genesis_) {
      return Deny("the log does not start with a valid genesis entry");
    }
    if (e.library_id != library_id_) {
      return Deny("the entry belongs to another library");
    }
    COVEN_ASSIGN_OR_RETURN(const MemberRecord* author, ResolveSigner(e.signer));
    switch (e.type) {
      case EntryType::kAddMember:
        return ApplyAddMember(*author, e);
      case EntryType::kRemoveMember:
        return ApplyRemoveMember(*author, e);
      case EntryType::kChangeRole:
        return ApplyChangeRole(*author, e);
      case EntryType::kAddDevice:
        return ApplyAddDevice(*author, e);
      case EntryType::kRemoveDevice:
        return ApplyRemoveDevice(*author, e);
      case EntryType::kRotateKey:
        return ApplyRotateKey(*author, e);
      case EntryType::kSkipSlot:
        // Which slot it may skip is the log's business (MemberLog::Append).
        if (author->role < MemberRole::Admin) {
          return Deny("a " + RoleText(author->role) +
                      " cannot skip a member-log slot (Admins and Owners "
                      "can)");
        }
        return Status::Ok();
      case EntryType::kGenesis:
        break;
    }
    return InvalidArgumentError("unknown entry type");
  }();
  ++position_;
  return verdict;
}

Status MemberState::ApplyGenesis(const MemberEntry& e) {
  if (e.signer != e.device && e.signer != e.member_sign) {
    return Deny(
        "the genesis entry must be signed by the first owner's device "
        "or member key");
  }
  if (e.device == e.member_sign) {
    return InvalidArgumentError("a device key equal to the member key");
  }
  if (IsZero(e.key_id)) return InvalidArgumentError("a zero key id");
  COVEN_RETURN_IF_ERROR(CheckMemberBox(e.member_box));
  COVEN_RETURN_IF_ERROR(CheckNewDevice(e.device));
  has_genesis_ = true;
  library_id_ = e.library_id;
  MemberRecord owner{
      {e.member_sign, e.member_box}, MemberRole::Owner, true, 1, 0};
  members_[e.member_sign] = owner;
  devices_[e.device] = DeviceRecord{e.device, e.member_sign, true, 1, 0};
  current_key_ = e.key_id;
  key_ids_.push_back(e.key_id);
  return Status::Ok();
}

Result<const MemberRecord*> MemberState::ResolveSigner(
    const crypto::PublicKey& key) const {
  if (const DeviceRecord* device = FindDevice(key)) {
    const MemberRecord* member = FindMember(device->member);
    if (!member->active) {
      return Deny("signed by a device of removed " + Who(device->member));
    }
    if (!device->active) {
      return Deny("signed by a removed device of " + Who(device->member));
    }
    return member;
  }
  if (const MemberRecord* member = FindMember(key)) {
    if (!member->active) return Deny("signed by removed " + Who(key));
    return member;
  }
  return Deny(
      "signed by a key that is neither a member nor a device of this "
      "library");
}

Status MemberState::AuthorizeWrite(const crypto::PublicKey& device) const {
  const DeviceRecord* record = FindDevice(device);
  if (record == nullptr) {
    return Deny("its author is not a device of any member at that position");
  }
  const MemberRecord* member = FindMember(record->member);
  if (!member->active) {
    return Deny("its author belongs to " + Who(record->member) +
                ", removed at member-log position " +
                std::to_string(member->removed_at));
  }
  if (!record->active) {
    return Deny("its author device was removed at member-log position " +
                std::to_string(record->removed_at));
  }
  if (member->role < MemberRole::Writer) {
    return Deny("its author " + Who(record->member) +
                " is a Reader; Readers cannot write");
  }
  return Status::Ok();
}

Status MemberState::CheckNewKey(const crypto::KeyId& id) const {
  if (IsZero(id)) return InvalidArgumentError("a zero key id");
  if (std::find(key_ids_.begin(), key_ids_.end(), id) != key_ids_.end()) {
    return Deny("the new key id was used before (a key must not come back)");
  }
  return Status::Ok();
}

Status MemberState::CheckNewDevice(const crypto::PublicKey& device) const {
  if (const DeviceRecord* d = FindDevice(device)) {
    if (d->active)
      return Deny("the device already belongs to " + Who(d->member));
    return Deny(
        "the device was removed before; a removed device never comes "
        "back (enrol it with a new device key)");
  }
  if (device == crypto::PublicKey{}) {
    return InvalidArgumentError("an all-zero device key");
  }
  // Library keys are sealed to the device key's X25519 form (members.md
  // §6): a key without one would make every later rotation fail.
  if (!crypto::BoxPublicKeyOf(device).ok()) {
    return InvalidArgumentError(
        "the device key is not a valid Ed25519 public key, so no library "
        "key can be sealed to it");
  }
  if (FindMember(device) != nullptr) {
    return Deny("a member's signing key cannot also be a device key");
  }
  return Status::Ok();
}

Status MemberState::ApplyAddMember(const MemberRecord& author,
                                   const MemberEntry& e) {
  if (author.role < MemberRole::Admin) {
    return Deny("a " + RoleText(author.role) +
                " cannot add members (Admins and Owners can)");
  }
  if (e.role == MemberRole::Owner && author.role != MemberRole::Owner) {
    return Deny("only an Owner can add an Owner");
  }
  if (const MemberRecord* existing = FindMember(e.member_sign);
      existing && existing->active) {
    return Deny(Who(e.member_sign) + " is already a member");
  }
  if (e.device == e.member_sign) {
    return InvalidArgumentError("a device key equal to the member key");
  }
  if (FindDevice(e.member_sign) != nullptr) {
    return Deny("the new member's signing key is already a device key");
  }
  COVEN_RETURN_IF_ERROR(CheckMemberBox(e.member_box));
  // An all-zero device: the member enrols its own devices later.
  const bool with_device = e.device != crypto::PublicKey{};
  if (with_device) COVEN_RETURN_IF_ERROR(CheckNewDevice(e.device));
  const std::uint64_t at = position_ + 1;
  members_[e.member_sign] =
      MemberRecord{{e.member_sign, e.member_box}, e.role, true, at, 0};
  if (with_device) {
    devices_[e.device] = DeviceRecord{e.device, e.member_sign, true, at, 0};
  }
  return Status::Ok();
}

Status MemberState::ApplyRemoveMember(const MemberRecord& author,
                                      const MemberEntry& e) {
  MemberRecord* target = nullptr;
  if (auto it = members_.find(e.member_sign);
      it != members_.end() && it->second.active) {
    target = &it->second;
  }
  if (target == nullptr) return Deny(Who(e.member_sign) + " is not a member");
  if (target->identity.sign == author.identity.sign) {
    return Deny(
        "a member cannot remove itself; another Admin or Owner "
        "removes it");
  }
  if (author.role < MemberRole::Admin) {
    return Deny("a " + RoleText(author.role) + " cannot remove members");
  }
  if (target->role == MemberRole::Owner && author.role != MemberRole::Owner) {
    return Deny("only an Owner can remove an Owner");
  }
  COVEN_RETURN_IF_ERROR(CheckNewKey(e.key_id));
  COVEN_RETURN_IF_ERROR(CheckCutsCover(e, ActiveDevicesOf(e.member_sign)));
  RecordCuts(e);
  const std::uint64_t at = position_ + 1;
  target->active = false;
  target->removed_at = at;
  for (auto& [key, device] : devices_) {
    if (device.member == e.member_sign && device.active) {
      device.active = false;
      device.removed_at = at;
    }
  }
  current_key_ = e.key_id;
  key_ids_.push_back(e.key_id);
  return Status::Ok();
}

Status MemberState::ApplyChangeRole(const MemberRecord& author,
                                    const MemberEntry& e) {
  auto it = members_.find(e.member_sign);
  if (it == members_.end() || !it->second.active) {
    return Deny(Who(e.member_sign) + " is not a member");
  }
  MemberRecord& target = it->second;
  const bool self = target.identity.sign == author.identity.sign;
  if (target.role == e.role) {
    return Deny(Who(e.member_sign) + " already has the role " +
                RoleText(e.role));
  }
  if (self && e.role > target.role) {
    return Deny("a member cannot raise its own role (self-promotion)");
  }
  if (!self) {
    if (author.role < MemberRole::Admin) {
      return Deny("a " + RoleText(author.role) + " cannot change roles");
    }
    if (author.role != MemberRole::Owner &&
        (target.role == MemberRole::Owner || e.role == MemberRole::Owner)) {
      return Deny("only an Owner can change an Owner's role or make an Owner");
    }
  }
  if (target.role == MemberRole::Owner && e.role != MemberRole::Owner &&
      ActiveOwners() == 1) {
    return Deny("it would leave the library without an Owner");
  }
  const bool loses_writing =
      target.role >= MemberRole::Writer && e.role < MemberRole::Writer;
  COVEN_RETURN_IF_ERROR(
      CheckCutsCover(e, loses_writing ? ActiveDevicesOf(e.member_sign)
                                      : std::vector<crypto::PublicKey>{}));
  RecordCuts(e);
  target.role = e.role;
  return Status::Ok();
}

Status MemberState::ApplyAddDevice(const MemberRecord& author,
                                   const MemberEntry& e) {
  const MemberRecord* target = FindMember(e.member_sign);
  if (target == nullptr || !target->active) {
    return Deny(Who(e.member_sign) + " is not a member");
  }
  // Only the member signing key (the seed a restore code carries) enrols a
  // device: a stolen device, which holds no seed, cannot add devices for
  // its member, and no one adds devices for someone else.
  if (e.signer != e.member_sign) {
    return Deny(target->identity.sign == author.identity.sign
                    ? std::string("a device can be added only with its "
                                  "member's own key (a restore), not by "
                                  "another device")
                    : "no one adds a device to another member");
  }
  COVEN_RETURN_IF_ERROR(CheckNewDevice(e.device));
  devices_[e.device] =
      DeviceRecord{e.device, e.member_sign, true, position_ + 1, 0};
  return Status::Ok();
}

Status MemberState::ApplyRemoveDevice(const MemberRecord& author,
                                      const MemberEntry& e) {
  auto it = devices_.find(e.device);
  if (it == devices_.end() || !it->second.active ||
      it->second.member != e.member_sign) {
    return Deny("the device is not an active device of " + Who(e.member_sign));
  }
  const MemberRecord* target = FindMember(e.member_sign);
  const bool self = target->identity.sign == author.identity.sign;
  if (!self && author.role < MemberRole::Admin) {
    return Deny("a " + RoleText(author.role) +
                " can remove only its own devices");
  }
  if (!self && target->role == MemberRole::Owner &&
      author.role != MemberRole::Owner) {
    return Deny("only an Owner can remove another Owner's device");
  }
  COVEN_RETURN_IF_ERROR(CheckCutsCover(e, {e.device}));
  // The removed device held the current key: a new one, wrapped to every
  // remaining device, is what keeps it from opening anything written now.
  COVEN_RETURN_IF_ERROR(CheckNewKey(e.key_id));
  RecordCuts(e);
  it->second.active = false;
  it->second.removed_at = position_ + 1;
  current_key_ = e.key_id;
  key_ids_.push_back(e.key_id);
  return Status::Ok();
}

Status MemberState::ApplyRotateKey(const MemberRecord& author,
                                   const MemberEntry& e) {
  if (author.role < MemberRole::Admin) {
    return Deny("a " + RoleText(author.role) + " cannot rotate the key");
  }
  COVEN_RETURN_IF_ERROR(CheckNewKey(e.key_id));
  current_key_ = e.key_id;
  key_ids_.push_back(e.key_id);
  return Status::Ok();
}

const MemberRecord* MemberState::FindMember(
    const crypto::PublicKey& sign) const {
  auto it = members_.find(sign);
  return it == members_.end() ? nullptr : &it->second;
}

const DeviceRecord* MemberState::FindDevice(
    const crypto::PublicKey& device) const {
  auto it = devices_.find(device);
  return it == devices_.end() ? nullptr : &it->second;
}

std::size_t MemberState::ActiveOwners() const {
  std::size_t owners = 0;
  for (const auto& [key, m] : members_) {
    if (m.active && m.role == MemberRole::Owner) ++owners;
  }
  return owners;
}

std::vector<MemberInfo> MemberState::Members(bool include_removed) const {
  std::vector<MemberInfo> out;
  for (const auto& [key, m] : members_) {
    if (!m.active && !include_removed) continue;
    MemberInfo info;
    info.member_id = MemberIdHex(key);
    info.public_key = IdentityHex(m.identity);
    info.role = m.role;
    info.active = m.active;
    info.added_at = m.added_at;
    for (const auto& [dkey, d] : devices_) {
      if (d.member != key) continue;
      info.devices.push_back({DeviceIdToHex(crypto::DeviceIdFor(dkey)),
                              HexEncode(dkey), d.active, d.added_at});
    }
    out.push_back(std::move(info));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.added_at != b.added_at ? a.added_at < b.added_at
                                    : a.member_id < b.member_id;
  });
  return out;
}

}  // namespace coven::members
