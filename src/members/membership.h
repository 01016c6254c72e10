// Membership: one device's live view of its library's member log and keys.
//
// It keeps the verified member log (cached in the app database, table
// _coven_members) in step with the home, enrols this device under its
// member, fetches the library keys sealed to its member, authorizes remote
// objects against the member state their author had seen, and makes the
// changes an Admin or Owner asks for (invite, remove, role, rotate).
//
// Appending uses the home's create-once: two devices that append to the
// same slot race, one wins, the other refreshes, checks its change again
// against the new state and retries in the next slot. So the log is one
// total order, the same on every device.
//
// Rollback and fork detection: the device remembers every entry it
// verified. A home that no longer serves one of them (rolled back) or
// serves different bytes (forked) raises an alarm that stays until the home
// serves the remembered entry again; status() reports it. A rolled-back log
// is put right by the device itself: it creates the lost slots again with
// the bytes it verified, and leaves a record (sync_state
// member_rollback_alarm) until the user acknowledges it.
//
// Thread safety: not thread-safe; the sync engine serializes calls.
#ifndef COVEN_MEMBERS_MEMBERSHIP_H_
#define COVEN_MEMBERS_MEMBERSHIP_H_

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "coven/clock.h"
#include "coven/db.h"
#include "coven/entropy.h"
#include "coven/home.h"
#include "coven/members.h"
#include "members/member_log.h"
#include "object/sealed_object.h"

namespace coven::members {

struct MembershipOptions {
  std::array<std::uint8_t, 16> library_id{};
  /// This device's member; without a seed once the device dropped it (then
  /// the member is the one the log lists this device under).
  MemberIdentity member;
  crypto::SigningKeyPair device;
  /// Called once this device is enrolled and holds the current key, if set:
  /// drops the member seed from the device (a restored device that keeps
  /// only its device key). Membership forgets the seed after it returns OK.
  std::function<Status()> drop_member_seed;
  /// Slot 1 must hash to this (from an invite or restore code).
  std::optional<crypto::Hash256> genesis_anchor;
  /// If the home holds no member log and this is set (and no anchor is),
  /// this device founds the library with this key.
  std::optional<crypto::LibraryKey> founding_key;
  /// Library keys this device already holds.
  std::vector<crypto::LibraryKey> known_keys;
  /// The last object of `device` this device has accepted (its own last
  /// sealed object for this device): what a cut names. Unset: seq 0.
  std::function<Result<Cut>(const crypto::PublicKey& device)> last_accepted;
  /// False for a member invited to the future only: keys retired before it
  /// joined are not fetched (EngineOptions::history_before_join).
  bool history_before_join = true;
  /// Stores a newly received key durably (key files); may be empty.
  std::function<Status(const crypto::LibraryKey&)> persist_key;
  EntropyRef entropy;
  clock::ClockRef clock;
};

/// Counters one refresh adds to a sync round's report.
struct RefreshReport {
  std::size_t requests = 0;
  std::vector<std::string> problems;
  /// Alarms this refresh raised that the round reports as such (a rollback
  /// of the member log that this device put right, a slot that blocks the
  /// log).
  std::vector<std::string> alarms;
};

class Membership {
 public:
  /// Loads the cached log from `db` (migrated) and replays it.
  static Result<std::unique_ptr<Membership>> Open(
      std::shared_ptr<db::SyncDb> db, home::HomeRef home,
      MembershipOptions options);

  /// Reads new entries from the home, checks for rollback and forks,
  /// founds the library or enrols this device when needed, and fetches the
  /// keys sealed to this member. Network problems are reported, not fatal.
  Status Refresh(RefreshReport* report);

  std::uint64_t position() const { return log_.size(); }
  const MemberState& current() const { return log_.current(); }
  const MemberIdentity& member() const { return options_.member; }
  /// This device's member signing key: from the seed, or (seed dropped)
  /// the member the log lists this device under; zero if neither.
  crypto::PublicKey MemberSign() const;
  /// This device's member as the log records it; kNotFound before it is in
  /// the log.
  Result<PublicIdentity> MemberPublic() const;
  /// Forgets the member seed in memory (after KeyService::drop_member_seed).
  void ForgetMemberSeed() { options_.member = MemberIdentity(); }

  /// OK if this device may publish rows now; otherwise kPermissionDenied
  /// (or kFailedPrecondition before the device is enrolled) saying why and
  /// what to do.
  Status CanWrite() const;
  /// The key new objects are sealed with. kFailedPrecondition while this
  /// device does not hold it yet.
  Result<crypto::LibraryKey> CurrentKey() const;
  /// Empty while this device holds the current library key, or is not an
  /// active enrolled device of an active member (CanWrite says why then).
  /// Otherwise what is wrong and what to do: such a device applies and
  /// publishes nothing until a device that holds the key seals it again.
  std::string MissingCurrentKey() const;
  /// Puts back the wraps of the current library key that the home lost
  /// (docs/format/home-repair.md §5): every active member and each of its
  /// active devices is entitled to the current key, so a wrap of it not
  /// listed under keys/<key id>/ is sealed again (create-once). Does
  /// nothing unless this device is active and holds the current key.
  /// Returns how many wraps it sealed, and adds the home requests it made
  /// to `*requests`. A wrap that fails does not stop the others: the error
  /// then names how many failed, and the first failure; kResourceExhausted
  /// if the key's folder lists far more files than it has recipients.
  Result<std::size_t> RepairCurrentKeyWraps(std::size_t* requests);
  std::optional<crypto::LibraryKey> KeyFor(const crypto::KeyId& id) const;
  /// Whether key `id` is one this device does not hold that was retired
  /// before its member joined (the current key at its add-member entry is
  /// newer): what a future-only invite withholds.
  bool KeyPredatesJoin(const crypto::KeyId& id) const;

  /// Whether a verified remote object may apply: OK; kUnavailable when the
  /// member log it names is not here yet (wait); kPermissionDenied when its
  /// author was not allowed to write at the position it names, it is
  /// sealed with a key that was not current there, or (log objects) it lies
  /// beyond a cut of its author (MemberState::CheckCuts; `object_hash` is
  /// its ObjectHash).
  /// kFailedPrecondition when its member_hash names another history of the
  /// log than this device verified (hold it, and NoteHistoryFork).
  Status AuthorizeObject(const object::ObjectHeader& header,
                         const crypto::Hash256& object_hash = {}) const;
  /// MemberState::WriteLimit of the current state for `device`.
  std::optional<std::uint64_t> WriteLimit(
      const crypto::PublicKey& device) const {
    return current().WriteLimit(device);
  }

  // Changes (Admins and Owners). Each is checked against the current state
  // first (kPermissionDenied with the rule that forbids it) and then
  // appended; kUnavailable if the home cannot be reached.
  /// With `share_history` false, rotates the key first and seals only the
  /// new key to the member (a future-only invite): it reads nothing written
  /// before.
  Status Invite(const PublicIdentity& identity, MemberRole role,
                bool share_history = true);
  Status Remove(const crypto::PublicKey& member_sign);
  Status ChangeRole(const crypto::PublicKey& member_sign, MemberRole role);
  Status RotateKey();
  /// Removes one device (its member's own, or any as an Admin or Owner),
  /// cuts it and rotates the key; the new key is sealed to every remaining
  /// device and member, so the removed device opens nothing written after.
  Status RemoveDevice(const crypto::PublicKey& device);

  /// A member by id (16 hex), signing key hex (64) or identity hex (128).
  Result<const MemberRecord*> FindMemberByText(std::string_view text) const;
  /// EntryHash of slot `position` (zero for 0 or past position()).
  crypto::Hash256 SlotHash(std::uint64_t position) const;
  /// Raises the fork alarm for an object that names another history of
  /// the member log (`what` says which and how).
  Status NoteHistoryFork(const std::string& what);
  /// Hash of the genesis entry (zero before one is verified).
  crypto::Hash256 genesis_hash() const;
  /// Short comparable value: position and the head hash, grouped base32.
  std::string Fingerprint() const;
  /// Appends a skip-slot entry for `seq`, the slot that blocks the log
  /// (Admins and Owners). kFailedPrecondition if the log is not blocked
  /// there; kPermissionDenied for other roles.
  Status SkipSlot(std::uint64_t seq);
  /// Non-empty while the log is blocked by a slot that does not verify:
  /// which, why, and what to do.
  std::string BlockedAlarm() const;
  /// Non-empty while the home served a rolled-back or forked member log.
  const std::string& alarm() const { return alarm_; }

 private:
  Membership() = default;
  Status LoadCached();
  // Stores `bytes` as the next slot (database first), then verifies it.
  // kInternal, storing nothing, for bytes over kMaxEntryBytes (callers check
  // the size first).
  Result<SlotVerdict> AddSlot(const Bytes& bytes);
  // Records (and persists) the alarm; "" clears it.
  Status SetAlarm(std::string alarm);
  Status FetchNew(RefreshReport* report);
  // Verifies the bytes read from slot `seq` (= position()+1) and stores
  // them. A slot that does not verify is stored only together with a
  // skip-slot entry after it; otherwise the log is blocked there (nothing
  // stored, re-read next refresh) and false is returned. A genesis (slot 1)
  // naming another library is kFailedPrecondition, and nothing is stored.
  Result<bool> TakeSlot(std::uint64_t seq, const Bytes& bytes,
                        RefreshReport* report);
  // blocked_, kept in sync_state so that every process of this library
  // (`coven status` too) knows it.
  Status LoadBlocked(sqlite3* conn);
  Status SaveBlocked();
  Status CheckRemembered(const std::vector<home::ObjectInfo>& listed,
                         RefreshReport* report);
  // The home lost entries this device verified (restored from an older
  // copy): creates each missing slot again, in order, with the verified
  // bytes. A slot found taken by the same bytes counts as put back; by
  // others, it raises the fork alarm. True once the home holds every entry
  // this device verified; false (with a problem or the fork alarm) if not,
  // tried again next refresh.
  Result<bool> PutBackLost(RefreshReport* report);
  // The verified bytes of slot `seq` from _coven_members.
  Result<Bytes> CachedSlot(std::uint64_t seq);
  // The slot number of "members/<16 hex>", or nullopt for another path.
  static std::optional<std::uint64_t> SlotOf(const std::string& path);
  Status FetchKeys(RefreshReport* report);
  Status Found(RefreshReport* report);
  Status Enrol(RefreshReport* report);
  // Writes `entry` (slot, prev and signer filled in here) after checking it
  // against the current state; refreshes and retries when another device
  // took the slot. `before_write` runs once per attempt, before the entry
  // is created (e.g. to store key wraps).
  // `prepare`, if set, runs first in every attempt (a rotation draws a
  // fresh key each time, so that wraps written for an attempt that lost
  // its slot never seal the key that ends up current).
  Status AppendEntry(MemberEntry entry, const crypto::SigningKeyPair& signer,
                     const std::function<Status()>& before_write,
                     const std::function<void(MemberEntry&)>& prepare = {});
  // Appends `entry` (remove-member, remove-device or rotate-key) with a
  // new key drawn per attempt, sealed to everyone but `skip_member` and
  // `skip_device` before the entry is written.
  Status AppendRotation(MemberEntry entry, const crypto::PublicKey& skip_member,
                        const crypto::PublicKey& skip_device);
  Status WrapTo(const crypto::LibraryKey& key, const PublicIdentity& recipient);
  // Every active member of the current state (for restore) and each of
  // its active devices (daily use), except `skip_member` (with its devices)
  // and `skip_device`: who is entitled to the current key. A device key
  // that cannot take a sealed box fails the call, or, with `unusable`, is
  // left out and its error added there.
  Result<std::vector<PublicIdentity>> KeyRecipients(
      const crypto::PublicKey& skip_member,
      const crypto::PublicKey& skip_device,
      std::vector<Status>* unusable = nullptr) const;
  // Seals `key` to every KeyRecipients(skip_member, skip_device); stops at
  // the first failure (a rotation must reach everyone before its entry).
  Status WrapToAll(const crypto::LibraryKey& key,
                   const crypto::PublicKey& skip_member,
                   const crypto::PublicKey& skip_device);
  // Unwraps key `id` from `path` with the recipient's box; records
  // problems for the current key only.
  Result<bool> TryUnwrap(const crypto::KeyId& id,
                         const crypto::PublicKey& recipient,
                         const crypto::BoxKeyPair& box, RefreshReport* report);
  Status DropSeedWhenDone();
  // Sets entry.cuts for the devices whose right to write `entry` ends, as
  // the current state names them.
  Status FillCuts(MemberEntry& entry) const;
  Status AddKey(const crypto::LibraryKey& key);

  std::shared_ptr<db::SyncDb> db_;
  home::HomeRef home_;
  MembershipOptions options_;
  MemberLog log_;
  crypto::BoxKeyPair device_box_;     // the device key in X25519 form
  std::uint64_t last_slot_size_ = 0;  // bytes in the last slot
  std::map<crypto::KeyId, crypto::LibraryKey> keys_;
  // Why the last FetchKeys did not get the current key, when it was not
  // simply absent: a read that failed (then it is not reported as missing),
  // or a wrap that was there but rejected (path and reason).
  bool current_key_unread_ = false;
  std::string current_key_rejected_;
  std::string alarm_;
  struct Blocked {
    std::uint64_t seq = 0;
    std::string reason;
    crypto::Hash256 hash{};
  };
  std::optional<Blocked> blocked_;  // a slot that does not verify, unstored
};

}  // namespace coven::members

#endif  // COVEN_MEMBERS_MEMBERSHIP_H_
