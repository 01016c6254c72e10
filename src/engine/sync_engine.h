// The sync engine of one device: capture -> outbox -> home -> verify ->
// apply. SyncManager (include/coven/sync_manager.h) wraps it with a thread.
//
// Round: Flush (captured changes become a sealed object in the outbox, in one
// transaction), Push (outbox objects are created in the home, then the head
// is replaced), Pull (heads are read; for each author with a newer head, its
// log objects are fetched in order, verified, validated and applied each in
// one transaction together with the author's cursor).
//
// Thread safety: every public method may be called from any thread; the
// engine serializes itself and takes the SyncDb write mutex around database
// work (never around network calls).
#ifndef COVEN_ENGINE_SYNC_ENGINE_H_
#define COVEN_ENGINE_SYNC_ENGINE_H_

#include <array>
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "coven/changeset.h"
#include "coven/clock.h"
#include "coven/db.h"
#include "coven/home.h"
#include "coven/remote.h"
#include "coven/status.h"
#include "crypto/crypto.h"
#include "engine/applier.h"
#include "engine/capture.h"
#include "engine/hlc_clock.h"
#include "engine/outbox.h"
#include "engine/stamp_context.h"
#include "engine/table_schema.h"
#include "engine/write_guard.h"
#include "home/home_layout.h"
#include "members/membership.h"
#include "object/sealed_object.h"

namespace coven::engine {

/// Who this device is inside which library.
struct Identity {
  std::array<std::uint8_t, 16> library_id{};
  /// Founds the library (first key) when the home holds no member log.
  crypto::LibraryKey library_key;
  crypto::SigningKeyPair signer;   ///< This device's key.
  members::MemberIdentity member;  ///< This device's member.
  std::vector<crypto::LibraryKey> known_keys;
  /// Slot 1 of the member log must hash to this (join / restore).
  std::optional<crypto::Hash256> genesis_anchor;
  /// False: never found a library (a joining device waits for the log).
  bool may_found = true;
  /// Stores library keys received through the member log.
  std::function<Status(const crypto::LibraryKey&)> persist_key;
  /// MembershipOptions::drop_member_seed (a restored device).
  std::function<Status()> drop_member_seed;
};

struct EngineOptions {
  std::vector<std::string> tables;
  std::int64_t max_clock_drift_ms = 300'000;
  std::uint64_t max_object_bytes = 64ull << 20;
  std::uint64_t max_payload_bytes = 256ull << 20;  ///< After decompression.
  /// How often a round compares this device's log in the home with the sent
  /// store and repairs it (also in the first round after Open).
  std::int64_t audit_interval_ms = 3'600'000;
  /// False when this device's member was invited to the future only: log
  /// objects sealed with a key from before it joined (never sealed to it)
  /// are passed over instead of waited for.
  bool history_before_join = true;
  /// How heads and log objects are exchanged with the home; null:
  /// remote::RemoteFor(home) (the home's native Remote, else OverHome).
  remote::RemoteRef remote;
};

/// The EngineOptions a running engine can change (SetLimits).
struct EngineLimits {
  std::uint64_t max_object_bytes = 64ull << 20;
  std::uint64_t max_payload_bytes = 256ull << 20;
  std::int64_t audit_interval_ms = 3'600'000;
};

/// What one round did.
struct RoundReport {
  std::size_t flushed_rows = 0;
  std::size_t pushed_objects = 0;
  std::size_t pulled_objects = 0;
  std::size_t applied_rows = 0;
  std::size_t quarantined = 0;
  std::size_t requests = 0;           ///< Home calls made by this round.
  std::vector<std::string> problems;  ///< Non-fatal: held authors, bad heads.
  /// Authors whose next object could not be applied this round (a gap, a
  /// missing key, another schema, a local failure): the round did not finish
  /// its work. One line each, saying what and what to do.
  std::vector<std::string> waiting;
  /// Alarms raised by this round (tampering found in this device's slots).
  std::vector<std::string> alarms;
};

/// An author whose objects wait (see SyncEngine::Waiting).
struct WaitingAuthor {
  std::uint64_t author = 0;
  std::uint64_t seq = 0;  ///< The object that waits.
  std::string reason;
  std::int64_t since_ms = 0;
};

/// A quarantined object.
struct QuarantineEntry {
  std::string path;
  std::string reason;
};

/// A row held out of its table by a constraint clash (docs/merge.md).
struct LostEntry {
  std::string table;
  std::string id;
  std::string stamp;  ///< `_updated_at` of the held version.
  std::string reason;
};

class SyncEngine {
 public:
  /// Validates the synced tables, seeds the HLC, installs capture and, after
  /// an unclean stop, schedules recovery of unflushed writes.
  static Result<std::unique_ptr<SyncEngine>> Open(
      std::shared_ptr<db::SyncDb> db, home::HomeRef home, Identity identity,
      clock::ClockRef clock, EngineOptions options);
  ~SyncEngine();

  /// Moves captured changes into the outbox. Returns the number of rows.
  /// Returns 0 without doing anything while the host is inside a transaction.
  Result<std::size_t> Flush();
  /// Uploads outbox objects and the head.
  Status Push(RoundReport* report);
  /// Fetches, verifies and applies other devices' objects.
  Status Pull(RoundReport* report);
  /// Flush + Push + Pull.
  Result<RoundReport> SyncOnce();
  /// Final flush; marks the capture closed so the next start skips recovery.
  Status Close();
  /// Applies changed limits from the next read, flush or audit on. Waits
  /// for a running round.
  void SetLimits(const EngineLimits& limits);

  /// Fetches every quarantined object again and applies those that now pass
  /// every check (e.g. after a transient corruption, or a raised limit),
  /// removing them from quarantine. The rest stay, with a fresh reason.
  Status RetryQuarantined(RoundReport* report);

  // RetryQuarantined under the round mutex held by the caller, for at most
  // `limit` objects.
  Status RetryQuarantinedLocked(RoundReport* report, std::size_t limit);

  /// Rows held aside by constraint clashes (lost values), oldest first.
  std::vector<LostEntry> Lost();
  /// Settles held rows when there are any (lost_round.cc): a local write may
  /// have freed the value a held row claims. Called by every round.
  Status SettleLost(RoundReport* report);

  /// Position of one remote author.
  struct Cursor {
    std::uint64_t seq = 0;
    crypto::Hash256 hash{};  ///< Zero after a quarantined object.
    std::optional<crypto::PublicKey> public_key;
  };

  std::uint64_t device_id() const { return device_; }
  const crypto::PublicKey& device_public_key() const {
    return identity_.signer.public_key();
  }
  /// The member log and keys. Call its changes between rounds only
  /// (SyncManager serializes them with the round mutex).
  members::Membership& membership() { return *membership_; }
  std::mutex& round_mutex() { return round_mutex_; }
  /// Reads new member-log entries (and founds or enrols); updates whether
  /// local writes are allowed.
  Status RefreshMembers(RoundReport* report);
  /// What a cut of `device` names: its last object this device accepted
  /// (for this device itself, after a flush, its last sealed object).
  Result<members::Cut> LastAccepted(const crypto::PublicKey& device);
  /// Alarms about the home (rolled back or forked member log, heads that
  /// went back); empty when all is well.
  std::vector<std::string> Alarms();
  HlcClock& hlc() { return *hlc_; }
  /// How this engine exchanges objects with its home.
  remote::Remote& remote() { return *remote_; }
  std::size_t PendingObjects();
  /// Why the oldest outbox object has not been stored yet (its last upload
  /// error); empty when the outbox is empty or no upload failed.
  std::string PendingError();
  /// Clears the tamper and rolled-back-head alarms.
  Status AcknowledgeAlarms();
  /// One small listing of the home: OK if it answers.
  Status CheckHome();
  /// Authors whose objects wait, oldest first.
  std::vector<WaitingAuthor> Waiting();
  std::vector<QuarantineEntry> Quarantined();

  /// Called (outside the database mutex) with rows changed by remote objects.
  void set_change_listener(
      std::function<void(const std::vector<changeset::RowChange>&)> listener) {
    listener_ = std::move(listener);
    applier_->set_collect_changes(static_cast<bool>(listener_));
  }
  /// Called with the rows of each part a flush seals (`remote` false),
  /// under the write mutex inside the flush transaction: at least once (a
  /// flush that rolls back passes them again). Must not touch the database.
  void set_capture_listener(
      std::function<void(const std::vector<changeset::RowChange>&)> listener) {
    capture_listener_ = std::move(listener);
  }

 private:
  SyncEngine() = default;
  Result<std::size_t> FlushLocked();
  // A view of the outbox and sent store over the write connection (hold the
  // write mutex while using it).
  Outbox outbox() { return Outbox(conn_); }
  /// A header for an object of this device sealed with `key` (stamp range
  /// left empty).
  object::ObjectHeader OwnHeader(object::ObjectKind kind, std::uint64_t seq,
                                 const std::string& prev_hash_hex,
                                 const crypto::LibraryKey& key) const;
  object::KeyLookup KeyLookup() const;
  Status WriteHead(RoundReport* report);
  // Stores one of this device's objects at `path`: an identical object
  // already there counts as stored; foreign bytes are replaced (with a
  // tamper alarm); a different object signed by this device is an error.
  enum class Stored { kCreated, kAlreadyThere, kReplaced };
  Result<Stored> StoreOwnObject(const std::string& path, const Bytes& object,
                                RoundReport* report);
  // Moves outbox `seq` to the sent store and advances pushed_seq, in one
  // transaction.
  Status RecordSent(std::uint64_t seq, const Bytes& object);
  // What occupies one of this device's slots, read only if it is no larger
  // than max_object_bytes (kResourceExhausted otherwise; kNotFound for a
  // slot that is occupied by something that is not an object).
  Result<Bytes> ReadOccupant(const std::string& path, RoundReport* report);
  bool IsOwnSignature(const std::string& path, const Bytes& bytes);
  void RaiseTamperAlarm(const std::string& what, RoundReport* report);
  // Self-repair (repair.cc).
  Status AuditOwnLog(RoundReport* report);
  Status AuditOwnHead(RoundReport* report);
  Status AdoptStoredObjects(
      const std::map<std::uint64_t, std::uint64_t>& listed,
      RoundReport* report);
  // The kept copy of this device's object `seq` (kNotFound if not kept).
  Result<Bytes> SentObject(std::uint64_t seq);
  // This device's log objects listed in the home up to `last_seq`.
  Result<std::map<std::uint64_t, std::uint64_t>> ListOwnLog(
      std::uint64_t last_seq, RoundReport* report);
  // Records (or clears, with an empty reason) why `author` waits at `seq`.
  void NoteWaiting(std::uint64_t author, std::uint64_t seq,
                   const std::string& reason, RoundReport* report);
  Status CheckOwnHead(const std::vector<home::ObjectInfo>& heads,
                      RoundReport* report);
  // Pulls one author up to `head_seq`; stops early (with a problem noted)
  // when an object must wait.
  Status PullAuthor(std::uint64_t author, std::uint64_t head_seq,
                    RoundReport* report);
  // What a fetched log object deserves.
  struct LogCheck {
    // kPassOver: valid and authorized, but sealed with a key from before
    // this member joined that was never sealed to it (future-only invite).
    enum Kind { kApply, kWait, kReject, kPassOver } kind;
    Status status;    // kReject: why
    std::string why;  // kWait: why
  };
  // Whether objects sealed with key `id` are passed over here
  // (EngineOptions::history_before_join, Membership::KeyPredatesJoin).
  bool PassesOver(const crypto::KeyId& id) const;
  // Records `object` (seq `seq` of `author`) as the author's last one: its
  // cursor and the member-log position it named. The caller holds the
  // write mutex, inside a transaction.
  Status AdvanceCursor(std::uint64_t author, std::uint64_t seq,
                       const object::ObjectHeader& header, const Bytes& object);
  // Moves `author`'s cursor past object `seq`, which is passed over.
  Status PassOver(std::uint64_t author, std::uint64_t seq,
                  const object::ObjectHeader& header, const Bytes& object);
  // `position_floor`: the member-log position the object may not go below
  // (default: the one its author's last applied object named).
  LogCheck CheckLogObject(std::uint64_t author, std::uint64_t seq,
                          const std::string& path, const Bytes& object,
                          const Cursor& cursor, object::ObjectHeader* header,
                          Bytes* payload,
                          std::optional<std::uint64_t> position_floor = {});
  // Applies in one transaction with the cursor (or, with `retry`, with the
  // removal of its quarantine entry).
  Status ApplyObject(std::uint64_t author, std::uint64_t seq,
                     const std::string& path,
                     const object::ObjectHeader& header, const Bytes& object,
                     const Bytes& payload,
                     std::vector<changeset::RowChange>* changes,
                     RoundReport* report, bool retry);
  // Runs `apply` (given whether foreign keys were on) as every apply must:
  // under the write mutex held by the caller, with no host transaction
  // open, local writes flushed first, capture detached, foreign keys off and
  // the write guard letting the apply through; everything restored after.
  // Records an applied remote object (what cut repair needs to know).
  Status NoteApplied(std::uint64_t author, std::uint64_t seq,
                     std::uint64_t member_seq, const crypto::Hash256& hash,
                     const Hlc& hlc_min);
  // Finds objects this device applied (or wrote) that lie past a cut it
  // has since learned of, and rebuilds the rows they won from the accepted
  // writes (cut_repair.cc).
  Status RepairPastCuts(RoundReport* report);
  // Whether a row or deletion stamped by this device at or after `from`
  // exists.
  Result<bool> HasOwnRowsFrom(const Hlc& from);
  Status InApplyScope(RoundReport* report,
                      const std::function<Status(bool)>& apply);
  Status Quarantine(std::uint64_t author, std::uint64_t seq,
                    const std::string& path, const Status& reason,
                    const Bytes& object, RoundReport* report);
  // Split flushes (engine/log_groups.cc): parts wait in _coven_staged_parts
  // until the kLog ending their flush, then apply with it.
  // Moves `cursor` past the author's staged parts.
  Status ContinueAfterStaged(std::uint64_t author, Cursor* cursor);
  Status StagePart(std::uint64_t author, std::uint64_t seq,
                   const std::string& path, const object::ObjectHeader& header,
                   const Bytes& object, const Bytes& payload);
  // Inside the apply transaction: the author's staged parts (when
  // `with_staged`), then `payload`.
  Result<ApplyStats> ApplyWithStaged(std::uint64_t author,
                                     const object::ObjectHeader& header,
                                     const Bytes& payload, bool with_staged,
                                     RoundReport* report);
  // Applies the author's staged parts on their own (their flush cannot
  // complete: an object of it was rejected).
  Status ApplyStagedAlone(std::uint64_t author,
                          std::vector<changeset::RowChange>* changes,
                          RoundReport* report);

  std::shared_ptr<db::SyncDb> db_;
  sqlite3* conn_ = nullptr;
  home::HomeRef home_;
  remote::RemoteRef remote_;
  Identity identity_;
  clock::ClockRef clock_;
  EngineOptions options_;
  std::uint64_t device_ = 0;
  // SchemaDigest(tables_); objects carry it keyed (SchemaVersion).
  crypto::Hash256 schema_digest_{};
  std::vector<TableSchema> tables_;
  std::unique_ptr<HlcClock> hlc_;
  StampContext stamps_;
  std::unique_ptr<Capture> capture_;
  std::unique_ptr<Applier> applier_;
  std::unique_ptr<members::Membership> membership_;
  // Refuses host writes while this device may not publish them.
  std::unique_ptr<WriteGuard> guard_;
  // Lets coven's own writes (apply, the flush's restamps) past the guard.
  std::shared_ptr<std::atomic<bool>> applying_ =
      std::make_shared<std::atomic<bool>>(false);
  Status write_refusal_;
  bool need_recovery_ = false;
  bool bootstrap_ = false;
  std::int64_t next_audit_ms_ = 0;  // 0: audit in the next round
  bool audit_incomplete_ = false;   // more to repair than one audit does
  std::mutex round_mutex_;          // one push/pull at a time
  std::function<void(const std::vector<changeset::RowChange>&)> listener_;
  std::function<void(const std::vector<changeset::RowChange>&)>
      capture_listener_;
};

using home::layout::HeadPath;
using home::layout::LogPath;

}  // namespace coven::engine

#endif  // COVEN_ENGINE_SYNC_ENGINE_H_
