// SyncManager: runs sync for one device of one library
// (mirrors coven::sync::sync_manager::SyncManager in the reference example).
//
//   auto manager = SyncManager::Create(config_provider, key_service,
//                                      encryption_service, db, clock,
//                                      {.blob_plan = plan, .observer = obs});
//   manager->start_sync();     // background loop
//   manager->trigger_sync();   // after a local write: sync soon
//   manager->sync_now();       // one round, synchronously
//   manager->stop();
//
// Thread safety: every method is thread-safe. Observer callbacks run on the
// thread doing the sync round (the background thread, or the caller of
// sync_now) and must not call stop().
#ifndef COVEN_SYNC_MANAGER_H_
#define COVEN_SYNC_MANAGER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "coven/blob.h"
#include "coven/changeset.h"
#include "coven/clock.h"
#include "coven/config.h"
#include "coven/db.h"
#include "coven/encryption.h"
#include "coven/keys.h"
#include "coven/members.h"
#include "coven/status.h"

namespace coven::sync::sync_manager {

using ConfigProvider = config::ConfigProvider;

/// A restore code and, unless a passphrase protects it, the recovery secret
/// that opens it. Show the secret once and keep it apart from the code.
struct RestoreCode {
  std::string code;             ///< "CVR1-...".
  std::string recovery_secret;  ///< "CVK1-..."; empty for a passphrase code.
};

/// What one round did.
struct SyncReport {
  std::size_t flushed_rows = 0;    ///< Local rows captured into the outbox.
  std::size_t pushed_objects = 0;  ///< Objects uploaded (plus the head).
  std::size_t pulled_objects = 0;  ///< Remote objects applied.
  std::size_t applied_rows = 0;    ///< Rows changed by remote objects.
  std::size_t quarantined = 0;     ///< Objects rejected this round.
  std::size_t requests = 0;        ///< Calls made to the home.
  /// Non-fatal problems: unreadable heads, constraint clashes, repairs.
  std::vector<std::string> problems;
  /// Devices whose next object could not be applied (a gap in the home, a
  /// missing key, another schema, a local failure), one line each saying
  /// what and what to do. Non-empty means the round did not finish its work.
  std::vector<std::string> waiting;
  /// Alarms this round raised (bytes this device did not write found in its
  /// own slots of the home, and replaced). Also in SyncStatus::alarms.
  std::vector<std::string> alarms;

  /// True when the round left something a person must look at: a waiting
  /// line, an alarm or a rejected object (the `coven` tool's exit code 5).
  bool found_data_problem() const {
    return !waiting.empty() || !alarms.empty() || quarantined > 0;
  }
};

/// A device whose objects wait, as the last rounds recorded it.
struct WaitingDevice {
  std::string device_id;      ///< 16 hex digits.
  std::uint64_t seq = 0;      ///< Its object that waits.
  std::string reason;         ///< What is wrong and what to do.
  std::int64_t since_ms = 0;  ///< When a round first found it waiting.
};

/// A rejected object, kept aside with the reason.
struct QuarantinedObject {
  std::string path;
  std::string reason;
};

/// A row held out of its table by a constraint clash (a lost value; see
/// docs/merge.md): the same rows are held on every device.
struct LostRow {
  std::string table;
  std::string id;
  std::string stamp;   ///< `_updated_at` of the held version.
  std::string reason;  ///< Which row holds its value, or SQLite's message.
};

/// A snapshot of the manager's state.
struct SyncStatus {
  bool running = false;             ///< Background loop active.
  std::string device_id;            ///< 16 hex digits.
  std::size_t pending_objects = 0;  ///< Sealed, not yet uploaded.
  /// Why the oldest of them is not uploaded yet (its last upload error);
  /// empty if no upload of it failed.
  std::string pending_error;
  /// Devices whose objects wait (gaps, missing keys, other schemas).
  std::vector<WaitingDevice> waiting;
  /// Non-empty while this device, an active member's enrolled device, does
  /// not hold the current library key (the home lost its wrap): what is
  /// wrong and what to do. Until a device that holds the key seals it
  /// again, this device applies and publishes nothing.
  std::string missing_key;
  std::int64_t last_success_ms = 0;   ///< 0 if never.
  std::string last_error;             ///< Empty after a clean round.
  std::vector<std::string> problems;  ///< From the last round.
  std::vector<QuarantinedObject> quarantined;
  /// Rows held aside by constraint clashes; they come back by themselves
  /// when the row that beats them changes or goes.
  std::vector<LostRow> lost;
  /// The home served a rolled-back or forked member log, or a head that
  /// went back: never silently accepted. Empty when all is well.
  std::vector<std::string> alarms;
  std::string member_id;  ///< This device's member (16 hex).
  /// Whether this device still keeps the member seed (until a restore code
  /// is made, or a restored device is enrolled): while it does, a stolen
  /// device is the whole member.
  bool member_key_here = false;
  std::string role;                   ///< "owner" ... "reader", or "".
  std::uint64_t member_log_size = 0;  ///< Verified member-log entries.
  /// The device that founded the library (it wrote the member log's first
  /// entry), 16 hex digits; "" before the log is verified.
  std::string founding_device;
  bool founding_device_active = false;  ///< It and its member are active.
  std::string fingerprint;              ///< Compare with other members.
};

/// Receives events. Default implementations do nothing.
class SyncObserver {
 public:
  virtual ~SyncObserver() = default;
  /// Rows changed by objects from other devices (refresh your UI).
  virtual void on_rows_changed(const std::vector<changeset::RowChange>& rows) {}
  /// A round finished (successfully or not).
  virtual void on_round(const SyncReport& report, const Status& status) {}
};

/// What SyncManager::Create takes beside the five services (the reference's
/// `blob_plan` and `observer` arguments).
struct SyncManagerOptions {
  /// Names the files rows need (include/coven/blob.h). Null: NoBlobs.
  blob::BlobPlanRef blob_plan;
  /// Receives events. May be null.
  std::shared_ptr<SyncObserver> observer;
};

class SyncManager {
 public:
  /// Validates the synced tables, opens the home and starts capturing writes
  /// on the db's write connection. Errors: kFailedPrecondition for a table
  /// that cannot sync (the message says why), home errors, key errors.
  /// `db`, `clock` and what `options` holds are shared. `config_provider`
  /// is called here and again at the start of every round: a change of the
  /// intervals, backoff or object limits applies from that round on; a
  /// change of what the manager was built on (home, tables, library, keys)
  /// is reported in the round's problems as needing a new manager.
  static Result<std::unique_ptr<SyncManager>> Create(
      ConfigProvider config_provider, keys::KeyService key_service,
      encryption::EncryptionService encryption_service,
      std::shared_ptr<db::SyncDb> db, clock::ClockRef clock,
      SyncManagerOptions options = {});

  /// Stops the loop and flushes captured writes to the outbox.
  ~SyncManager();

  /// Starts the background loop (idempotent). It syncs at once, then every
  /// Config::sync_interval_ms (at once again while a round leaves objects
  /// of this device queued), sooner after trigger_sync(), and backs off
  /// exponentially with jitter while the home fails (after the n-th failure
  /// in a row it waits a uniform draw from the injected entropy in [0,
  /// min(retry_base_ms * 2^(n-1), retry_max_ms)], never more than the
  /// interval). Every wait is on the injected clock (Clock::WaitUntil), so a
  /// ManualClock drives the loop in tests.
  void start_sync();
  /// Asks the loop for a round as soon as possible (no-op if not started).
  void trigger_sync();
  /// Syncs on the calling thread: a round (flush, push, pull, push), and
  /// more rounds while objects of this device stay queued and the last
  /// round sent some (a round uploads a bounded batch), so it returns with
  /// the queue sent. The report adds the rounds up.
  /// Errors: the first fatal error (transient home errors are retryable).
  Result<SyncReport> sync_now();
  /// Fetches every quarantined object again and applies those that now pass
  /// every check (a transient corruption repaired, a limit raised), removing
  /// them from quarantine; the others stay, and the report's problems say
  /// why. Safe at any time: applying late changes nothing LWW would not.
  Result<SyncReport> retry_quarantined();
  /// Captures local writes into the durable outbox without any network call.
  Result<std::size_t> flush();
  /// Stops the loop and waits for it; flushes captured writes. Idempotent.
  Status stop();
  /// A snapshot of the current state.
  SyncStatus status();
  /// Clears the alarms a user can acknowledge once understood: tampering
  /// found in this device's slots, heads the home rolled back, and the
  /// record of member-log entries this device put back after the home lost
  /// them. Alarms about the member log stay until the home serves the log
  /// again.
  Status acknowledge_alarms();
  /// Asks the home for one listing entry: OK if it answers; otherwise the
  /// home's error (kUnavailable: unreachable, kNotFound: missing, ...).
  Status check_home();

  // Membership (docs/format/members.md). Each change is checked against the
  // member log first: kPermissionDenied names the rule that forbids it.
  // Changes wait for a running round and refresh the member log first.

  /// This device's member identity: 128 hex digits (Ed25519 signing key and
  /// X25519 sealing key). An Admin passes it to invite_member.
  std::string identity();
  /// Adds the member `public_key_hex` (from its `identity()`) with `role`
  /// and seals every library key this device holds to it, so it reads all
  /// history. With `share_history` false it first rotates the key and seals
  /// only the new one: the member reads only what is written from now on
  /// (its devices pass older objects over). Returns the invite code the new
  /// member passes to `coven join` (no secret inside: the library id, the
  /// home, the genesis hash and whether history is shared). Errors:
  /// kInvalidArgument (malformed key), kPermissionDenied, home errors.
  Result<std::string> invite_member(const std::string& public_key_hex,
                                    members::MemberRole role,
                                    bool share_history = true);
  /// The members as the verified member log says now (removed ones too).
  Result<std::vector<members::MemberInfo>> get_members();
  /// Removes a member (16-hex id or public key) and rotates the library
  /// key: the new key is sealed to the remaining members only.
  Status remove_member(const std::string& member);
  /// Gives a member another role.
  Status change_role(const std::string& member, members::MemberRole role);
  /// Removes one device (16-hex device id or 64-hex key, from
  /// get_members()): it is cut (its writes past the last one this device
  /// applied are rejected everywhere) and the library key rotates, sealed to
  /// every remaining device and member, so it opens nothing written after.
  /// Members remove their own devices; Admins and Owners any. kNotFound for
  /// an unknown or removed device, kPermissionDenied naming the rule.
  Status remove_device(const std::string& device);
  /// Deletes the member seed from this device (KeyService::drop_member_seed):
  /// from then on this device syncs with its own key, and removing it with
  /// remove_device locks it out; only the restore code can enrol a new
  /// device for the member. Run after saving a restore code.
  Status drop_member_key();
  /// Starts a new library key, sealed to every member.
  Status rotate_key();
  /// Lets the member log go on past `slot`, a slot that does not verify and
  /// blocks it (SyncStatus::alarms says which). Admins and Owners, after
  /// checking what is there. kFailedPrecondition if the log is not blocked
  /// at `slot`.
  Status skip_member_slot(std::uint64_t slot);
  /// A code that restores this member on a new device (`coven restore`).
  /// The member's seed in it is sealed: with an empty `passphrase`, by a
  /// fresh 128-bit recovery secret returned beside the code (needed with
  /// the code to restore); otherwise by `passphrase` (Argon2id at MODERATE
  /// cost), which must pass a strength check (kInvalidArgument if weak).
  Result<RestoreCode> generate_restore_code(const std::string& passphrase = "");
  /// The member-log fingerprint ("XXXX-XXXX-XXXX-XXXX @N"): members compare
  /// it out of band to detect a home that shows them different logs.
  std::string fingerprint();

 private:
  struct Impl;
  explicit SyncManager(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace coven::sync::sync_manager

#endif  // COVEN_SYNC_MANAGER_H_
