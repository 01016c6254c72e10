// The state a member log describes after some number of entries: who is a
// member with which role, which devices belong to whom, which library key is
// current. MemberState::Apply holds every authorization rule of the log
// (docs/format/members.md §4); it is deterministic, so every device that
// replays the same entries reaches the same state.
//
// Thread safety: plain value; const methods may be called concurrently.
#ifndef COVEN_MEMBERS_MEMBER_STATE_H_
#define COVEN_MEMBERS_MEMBER_STATE_H_

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "coven/members.h"
#include "coven/status.h"
#include "crypto/crypto.h"
#include "members/member_entry.h"
#include "members/member_identity.h"

namespace coven::members {

struct MemberRecord {
  PublicIdentity identity;
  MemberRole role = MemberRole::Reader;
  bool active = true;
  std::uint64_t added_at = 0;
  std::uint64_t removed_at = 0;  ///< 0 while active.
};

struct DeviceRecord {
  crypto::PublicKey key{};
  crypto::PublicKey member{};  ///< The owning member's signing key.
  bool active = true;
  std::uint64_t added_at = 0;
  std::uint64_t removed_at = 0;
};

/// A cut as the member log recorded it (docs/format/members.md §5).
struct CutRecord {
  std::uint64_t slot = 0;  ///< The member-log slot of the cutting entry.
  std::uint64_t seq = 0;   ///< The device's last accepted seq before it.
  crypto::Hash256 hash{};  ///< ObjectHash at `seq`; zero: not checked.
};

class MemberState {
 public:
  /// Position: the number of log slots this state reflects (0 = empty).
  std::uint64_t position() const { return position_; }
  bool has_genesis() const { return has_genesis_; }
  const std::array<std::uint8_t, 16>& library_id() const { return library_id_; }
  const crypto::KeyId& current_key_id() const { return current_key_; }
  /// Every key id ever introduced, oldest first.
  const std::vector<crypto::KeyId>& key_ids() const { return key_ids_; }

  /// Applies `entry` as log slot position()+1. On rejection returns why
  /// (kPermissionDenied for a rule, kInvalidArgument for a malformed use)
  /// and only advances the position.
  Status Apply(const MemberEntry& entry);
  /// Advances the position over a slot whose entry was rejected elsewhere.
  void Skip() { ++position_; }

  /// The active member that `key` speaks for: an active device of an active
  /// member, or an active member's own signing key. kPermissionDenied
  /// naming why not (removed device, removed member, unknown key).
  Result<const MemberRecord*> ResolveSigner(const crypto::PublicKey& key) const;
  /// OK if `device` may publish rows (an active device of an active Owner,
  /// Admin or Writer); kPermissionDenied saying why not otherwise.
  Status AuthorizeWrite(const crypto::PublicKey& device) const;

  /// Every device that was cut, with its cuts (oldest first).
  const std::map<crypto::PublicKey, std::vector<CutRecord>>& cuts() const {
    return cuts_;
  }
  /// The cuts of `device`, oldest first (empty if none).
  const std::vector<CutRecord>& CutsOf(const crypto::PublicKey& device) const;
  /// The cut rule for object `seq` of `device` that names member-log
  /// position `member_seq` and hashes to `object_hash`: kPermissionDenied
  /// if the object lies beyond a cut made at a later slot than it names (a
  /// write after its author lost the right, backdated), or sits at a cut
  /// with another hash; OK otherwise. Depends only on this state, so every
  /// device decides alike.
  Status CheckCuts(const crypto::PublicKey& device, std::uint64_t seq,
                   std::uint64_t member_seq,
                   const crypto::Hash256& object_hash) const;
  /// For a device that cannot write in this state: the seq of its last
  /// cut, past which none of its objects can be accepted. nullopt if it
  /// can write or was never cut.
  std::optional<std::uint64_t> WriteLimit(
      const crypto::PublicKey& device) const;

  /// The active devices of `member`, in key order.
  std::vector<crypto::PublicKey> ActiveDevicesOf(
      const crypto::PublicKey& member) const;

  const MemberRecord* FindMember(const crypto::PublicKey& sign) const;
  const DeviceRecord* FindDevice(const crypto::PublicKey& device) const;
  std::size_t ActiveOwners() const;
  /// Active members (and removed ones when `include_removed`), by addition.
  std::vector<MemberInfo> Members(bool include_removed = false) const;

 private:
  Status ApplyGenesis(const MemberEntry& e);
  Status ApplyAddMember(const MemberRecord& author, const MemberEntry& e);
  Status ApplyRemoveMember(const MemberRecord& author, const MemberEntry& e);
  Status ApplyChangeRole(const MemberRecord& author, const MemberEntry& e);
  Status ApplyAddDevice(const MemberRecord& author, const MemberEntry& e);
  Status ApplyRemoveDevice(const MemberRecord& author, const MemberEntry& e);
  Status ApplyRotateKey(const MemberRecord& author, const MemberEntry& e);
  Status CheckNewKey(const crypto::KeyId& id) const;
  // OK if `e` cuts exactly `devices` (the ones losing the right to write).
  Status CheckCutsCover(const MemberEntry& e,
                        const std::vector<crypto::PublicKey>& devices) const;
  void RecordCuts(const MemberEntry& e);
  Status CheckNewDevice(const crypto::PublicKey& device) const;

  std::uint64_t position_ = 0;
  bool has_genesis_ = false;
  std::array<std::uint8_t, 16> library_id_{};
  crypto::KeyId current_key_{};
  std::vector<crypto::KeyId> key_ids_;
  std::map<crypto::PublicKey, MemberRecord> members_;
  std::map<crypto::PublicKey, DeviceRecord> devices_;
  std::map<crypto::PublicKey, std::vector<CutRecord>> cuts_;
};

}  // namespace coven::members

#endif  // COVEN_MEMBERS_MEMBER_STATE_H_
