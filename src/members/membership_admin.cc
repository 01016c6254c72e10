// Membership: founding, enrolment and the changes Admins and Owners make.
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "members/key_wrap.h"
#include "members/membership.h"

namespace coven::members {

namespace {

constexpr int kAppendAttempts = 8;

// Why a refresh could not move the log on: the slot that blocks it (an
// alarm), else its last note; empty if it said nothing.
std::string LastReason(const RefreshReport& fetched) {
  const std::vector<std::string>& said =
      fetched.alarms.empty() ? fetched.problems : fetched.alarms;
  return said.empty() ? std::string() : ": " + said.back();
}

}  // namespace

Status Membership::Found(RefreshReport* report) {
  if (options_.genesis_anchor || !options_.founding_key) return Status::Ok();
  const crypto::LibraryKey& key = *options_.founding_key;
  COVEN_RETURN_IF_ERROR(AddKey(key));
  MemberEntry genesis;
  genesis.type = EntryType::kGenesis;
  genesis.member_sign = options_.member.signer().public_key();
  genesis.member_box = options_.member.box().public_key();
  genesis.device = options_.device.public_key();
  genesis.key_id = key.id();
  Status appended = AppendEntry(genesis, options_.device, [&] {
    COVEN_RETURN_IF_ERROR(WrapTo(key, options_.member.public_identity()));
    COVEN_ASSIGN_OR_RETURN(PublicIdentity self,
                           DeviceRecipient(options_.device.public_key()));
    return WrapTo(key, self);
  });
  if (appended.code() == StatusCode::kPermissionDenied && log_.size() > 0) {
    // Another device founded the library first: join its log instead.
    return Status::Ok();
  }
  return appended.Annotate("founding the library");
}

Status Membership::Enrol(RefreshReport* report) {
  // Only a device holding the member seed can enrol itself (a restore).
  if (!options_.member.has_seed()) return Status::Ok();
  const MemberState& state = current();
  const crypto::PublicKey& sign = options_.member.signer().public_key();
  const MemberRecord* me = state.FindMember(sign);
  if (!state.has_genesis() || me == nullptr || !me->active ||
      state.FindDevice(options_.device.public_key()) != nullptr) {
    return Status::Ok();
  }
  MemberEntry entry;
  entry.type = EntryType::kAddDevice;
  entry.member_sign = sign;
  entry.device = options_.device.public_key();
  Status appended = AppendEntry(entry, options_.member.signer(), nullptr);
  return appended.Annotate("enrolling this device in the member log");
}

Status Membership::WrapTo(const crypto::LibraryKey& key,
                          const PublicIdentity& recipient) {
  const std::string path = KeyWrapPath(key.id(), recipient.sign);
  Result<Bytes> wrap =
      WrapKey(options_.library_id, key, recipient, options_.device);
  if (!wrap.ok()) {
    return wrap.status().Annotate("sealing key " + HexEncode(key.id()) +
                                  " to " + MemberIdHex(recipient.sign));
  }
  Status created = home_->Create(path, *wrap);
  // A wrap already there is an earlier attempt's (sealed boxes differ each
  // time); its recipient checks it when opening.
  if (created.code() == StatusCode::kAlreadyExists) return Status::Ok();
  return created.Annotate("sealing key " + HexEncode(key.id()) + " to " +
                          MemberIdHex(recipient.sign));
}

Result<std::vector<PublicIdentity>> Membership::KeyRecipients(
    const crypto::PublicKey& skip_member, const crypto::PublicKey& skip_device,
    std::vector<Status>* unusable) const {
  std::vector<PublicIdentity> recipients;
  const MemberState& state = current();
  for (const MemberInfo& info : state.Members()) {
    Result<PublicIdentity> identity = ParseIdentityHex(info.public_key);
    if (!identity.ok() || identity->sign == skip_member) continue;
    recipients.push_back(*identity);
    for (const crypto::PublicKey& device :
         state.ActiveDevicesOf(identity->sign)) {
      if (device == skip_device) continue;
      Result<PublicIdentity> recipient = DeviceRecipient(device);
      if (!recipient.ok() && unusable != nullptr) {
        unusable->push_back(recipient.status());
        continue;
      }
      COVEN_RETURN_IF_ERROR(recipient.status());
      recipients.push_back(*recipient);
    }
  }
  return recipients;
}

Status Membership::WrapToAll(const crypto::LibraryKey& key,
                             const crypto::PublicKey& skip_member,
                             const crypto::PublicKey& skip_device) {
  COVEN_ASSIGN_OR_RETURN(std::vector<PublicIdentity> recipients,
                         KeyRecipients(skip_member, skip_device));
  for (const PublicIdentity& recipient : recipients) {
    COVEN_RETURN_IF_ERROR(WrapTo(key, recipient));
  }
  return Status::Ok();
}

Status Membership::FillCuts(MemberEntry& entry) const {
  entry.cuts.clear();
  std::vector<crypto::PublicKey> devices;
  const MemberState& state = current();
  const MemberRecord* target = state.FindMember(entry.member_sign);
  switch (entry.type) {
    case EntryType::kRemoveMember:
      devices = state.ActiveDevicesOf(entry.member_sign);
      break;
    case EntryType::kChangeRole:
      if (target != nullptr && target->role >= MemberRole::Writer &&
          entry.role < MemberRole::Writer) {
        devices = state.ActiveDevicesOf(entry.member_sign);
      }
      break;
    case EntryType::kRemoveDevice:
      devices.push_back(entry.device);
      break;
    default:
      return Status::Ok();
  }
  if (devices.size() > kMaxCuts) {
    return FailedPreconditionError(
        "the member has more than " + std::to_string(kMaxCuts) +
        " active devices, more than one entry can cut; remove some of its "
        "devices first");
  }
  for (const crypto::PublicKey& device : devices) {
    Cut cut{device, 0, {}};
    if (options_.last_accepted) {
      COVEN_ASSIGN_OR_RETURN(cut, options_.last_accepted(device));
      cut.device = device;
    }
    entry.cuts.push_back(cut);
  }
  return Status::Ok();
}

Status Membership::AppendEntry(
    MemberEntry entry, const crypto::SigningKeyPair& signer,
    const std::function<Status()>& before_write,
    const std::function<void(MemberEntry&)>& prepare) {
  for (int attempt = 0; attempt < kAppendAttempts; ++attempt) {
    if ((log_.blocked_at() || blocked_) && entry.type != EntryType::kSkipSlot) {
      return FailedPreconditionError(BlockedAlarm());
    }
    if (prepare) prepare(entry);
    entry.library_id = options_.library_id;
    entry.seq = log_.size() + 1;
    entry.prev_hash = log_.head_hash();
    entry.time_ms = static_cast<std::uint64_t>(options_.clock->NowMillis());
    entry.signer = signer.public_key();
    COVEN_RETURN_IF_ERROR(FillCuts(entry));
    MemberState check = current();
    Status allowed = check.Apply(entry);
    if (!allowed.ok()) {
      return PermissionDeniedError(std::string("refused: ") +
                                   allowed.message());
    }
    if (before_write) COVEN_RETURN_IF_ERROR(before_write());
    COVEN_ASSIGN_OR_RETURN(Bytes bytes, EncodeEntry(entry, signer));
    const std::string path = MemberEntryPath(entry.seq);
    Status created = home_->Create(path, bytes);
    if (created.code() == StatusCode::kAlreadyExists) {
      Result<Bytes> there = home_->Get(path, bytes.size());
      if (!there.ok() || *there != bytes) {
        RefreshReport fetched;
        COVEN_RETURN_IF_ERROR(FetchNew(&fetched));
        if (log_.size() < entry.seq) {
          // The slot holds something the log cannot take (a file over the
          // entry limit, a hole before it): it waits there, and so does
          // this change.
          return UnavailableError(
              "member-log slot " + path + " is taken but the log cannot " +
              "move past it" + LastReason(fetched) +
              " (nothing changed; try again once it is fixed)");
        }
        continue;  // another device took the slot: check again, next slot
      }
      created = Status::Ok();  // our own earlier attempt
    }
    if (!created.ok()) {
      return created.Annotate("writing member-log entry " + path +
                              " (nothing changed; try again)");
    }
    COVEN_ASSIGN_OR_RETURN(SlotVerdict verdict, AddSlot(bytes));
    if (!verdict.status.ok()) {
      return InternalError("own member-log entry rejected: " +
                           verdict.status.message());
    }
    return Status::Ok();
  }
  return AbortedError(
      "the member log kept changing while appending; try again");
}

Status Membership::Invite(const PublicIdentity& identity, MemberRole role,
                          bool share_history) {
  MemberEntry entry;
  entry.type = EntryType::kAddMember;
  entry.member_sign = identity.sign;
  entry.member_box = identity.box;
  entry.role = role;
  // Checked before a future-only invite rotates the key.
  MemberState check = current();
  entry.library_id = options_.library_id;
  entry.signer = options_.device.public_key();
  if (Status allowed = check.Apply(entry); !allowed.ok()) {
    return PermissionDeniedError(std::string("refused: ") + allowed.message());
  }
  if (!share_history) COVEN_RETURN_IF_ERROR(RotateKey());
  return AppendEntry(entry, options_.device, [&]() -> Status {
    if (!share_history) {
      COVEN_ASSIGN_OR_RETURN(crypto::LibraryKey key, CurrentKey());
      return WrapTo(key, identity);
    }
    for (const auto& [id, key] : keys_) {
      COVEN_RETURN_IF_ERROR(WrapTo(key, identity));
    }
    return Status::Ok();
  });
}

Status Membership::Remove(const crypto::PublicKey& member_sign) {
  MemberEntry entry;
  entry.type = EntryType::kRemoveMember;
  entry.member_sign = member_sign;
  return AppendRotation(entry, member_sign, crypto::PublicKey{});
}

Status Membership::AppendRotation(MemberEntry entry,
                                  const crypto::PublicKey& skip_member,
                                  const crypto::PublicKey& skip_device) {
  std::optional<crypto::LibraryKey> fresh;
  return AppendEntry(
      entry, options_.device,
      [&]() -> Status {
        // Stored only now, once the entry passed the rules.
        COVEN_RETURN_IF_ERROR(AddKey(*fresh));
        return WrapToAll(*fresh, skip_member, skip_device);
      },
      [&](MemberEntry& e) {
        fresh = crypto::LibraryKey::Generate(*options_.entropy);
        e.key_id = fresh->id();
      });
}

Status Membership::RemoveDevice(const crypto::PublicKey& device) {
  const DeviceRecord* record = current().FindDevice(device);
  if (record == nullptr || !record->active) {
    return NotFoundError("no active device " +
                         DeviceIdToHex(crypto::DeviceIdFor(device)) +
                         " in this library; `coven members` lists them");
  }
  MemberEntry entry;
  entry.type = EntryType::kRemoveDevice;
  entry.member_sign = record->member;
  entry.device = device;
  return AppendRotation(entry, crypto::PublicKey{}, device);
}

Status Membership::ChangeRole(const crypto::PublicKey& member_sign,
                              MemberRole role) {
  MemberEntry entry;
  entry.type = EntryType::kChangeRole;
  entry.member_sign = member_sign;
  entry.role = role;
  return AppendEntry(entry, options_.device, nullptr);
}

Status Membership::RotateKey() {
  MemberEntry entry;
  entry.type = EntryType::kRotateKey;
  return AppendRotation(entry, crypto::PublicKey{}, crypto::PublicKey{});
}

Result<const MemberRecord*> Membership::FindMemberByText(
    std::string_view text) const {
  std::string lower;
  for (char c : text) {
    if (c != ' ') lower.push_back(static_cast<char>(std::tolower(c)));
  }
  for (const MemberInfo& info : current().Members(/*include_removed=*/true)) {
    if (info.member_id == lower || info.public_key == lower ||
        info.public_key.substr(0, 64) == lower) {
      Result<PublicIdentity> identity = ParseIdentityHex(info.public_key);
      if (!identity.ok()) continue;
      return current().FindMember(identity->sign);
    }
  }
  return NotFoundError("no member " + std::string(text) +
                       " in this library; `coven members` lists them");
}

}  // namespace coven::members
