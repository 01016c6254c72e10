#include "engine/sync_engine.h"

#include <algorithm>
#include <cstdio>

#include "db/sql.h"
#include "engine/write_guard.h"

namespace coven::engine {

namespace {

// Quarantined objects fetched again per audit round (bounds the work a home
// full of junk can cause).
constexpr std::size_t kQuarantineRetriesPerAudit = 64;
// After a failed audit, the next one waits this long.
constexpr std::int64_t kAuditRetryMs = 60'000;

Status RequireIdle(sqlite3* db, const char* what) {
  if (!sqlite3_get_autocommit(db)) {
    return UnavailableError(std::string(what) +
                            ": the host has a write transaction open; retry "
                            "after it commits");
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<SyncEngine>> SyncEngine::Open(
    std::shared_ptr<db::SyncDb> db, home::HomeRef home, Identity identity,
    clock::ClockRef clock, EngineOptions options) {
  COVEN_RETURN_IF_ERROR(crypto::EnsureSodium());
  std::unique_ptr<SyncEngine> engine(new SyncEngine());
  engine->db_ = std::move(db);
  engine->conn_ = engine->db_->raw_write_handle();
  engine->home_ = std::move(home);
  engine->identity_ = std::move(identity);
  engine->clock_ = std::move(clock);
  engine->options_ = std::move(options);
  engine->remote_ = engine->options_.remote ? engine->options_.remote
                                            : remote::RemoteFor(engine->home_);
  engine->device_ = crypto::DeviceIdFor(engine->identity_.signer.public_key());
  sqlite3* conn = engine->conn_;

  std::lock_guard<std::recursive_mutex> lock(engine->db_->write_mutex());
  COVEN_RETURN_IF_ERROR(RequireIdle(conn, "starting sync"));
  COVEN_ASSIGN_OR_RETURN(engine->tables_,
                         LoadSyncedSchema(conn, engine->options_.tables));
  engine->schema_digest_ = SchemaDigest(engine->tables_);

  // One database belongs to one library and one device.
  const std::string library_hex = HexEncode(engine->identity_.library_id);
  const std::string device_hex = DeviceIdToHex(engine->device_);
  COVEN_ASSIGN_OR_RETURN(auto stored_library, db::GetState(conn, "library_id"));
  COVEN_ASSIGN_OR_RETURN(auto stored_device, db::GetState(conn, "device_id"));
  if (stored_library && *stored_library != library_hex) {
    return FailedPreconditionError("this database already syncs library " +
                                   *stored_library + ", not " + library_hex +
                                   "; use a separate database per library");
  }
  if (stored_device && *stored_device != device_hex) {
    return FailedPreconditionError(
        "this database belongs to device " + *stored_device +
        " but the device key is " + device_hex +
        "; the key file was replaced or the database was copied from another "
        "device (copying a database between devices is not supported)");
  }
  // The first start's backfill ships every existing row; it is done only
  // once a flush has committed (a failed one is retried by the next start).
  COVEN_ASSIGN_OR_RETURN(auto flushed, db::GetState(conn, "flushed_through"));
  engine->bootstrap_ = !stored_device.has_value() || !flushed.has_value();

  engine->hlc_ = std::make_unique<HlcClock>(
      engine->clock_, engine->device_, engine->options_.max_clock_drift_ms);
  // Seed the clock above every stamp already stored.
  COVEN_ASSIGN_OR_RETURN(auto high_water, db::GetState(conn, "hlc_high_water"));
  if (high_water) {
    if (auto h = Hlc::FromText(*high_water)) engine->hlc_->Seed(*h);
  }
  std::vector<std::string> max_queries = {
      "SELECT max(hlc) FROM _coven_tombstones"};
  for (const TableSchema& t : engine->tables_) {
    max_queries.push_back("SELECT max(_updated_at) FROM main." +
                          db::QuoteIdentifier(t.name));
  }
  for (const std::string& sql : max_queries) {
    COVEN_ASSIGN_OR_RETURN(db::Stmt stmt, db::Stmt::Prepare(conn, sql));
    COVEN_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (row && !stmt.ColumnIsNull(0)) {
      if (auto h = Hlc::FromText(stmt.ColumnText(0))) engine->hlc_->Seed(*h);
    }
  }

  engine->capture_ = std::make_unique<Capture>(
      conn, engine->tables_, engine->hlc_.get(), &engine->stamps_);
  engine->applier_ = std::make_unique<Applier>(
      conn, &engine->tables_, &engine->stamps_, engine->hlc_.get());
  COVEN_RETURN_IF_ERROR(engine->capture_->Install());
  COVEN_ASSIGN_OR_RETURN(
      engine->guard_,
      WriteGuard::Install(conn, engine->tables_, engine->applying_));

  members::MembershipOptions membership;
  membership.library_id = engine->identity_.library_id;
  membership.member = engine->identity_.member;
  membership.device = engine->identity_.signer;
  membership.genesis_anchor = engine->identity_.genesis_anchor;
  if (engine->identity_.may_found) {
    membership.founding_key = engine->identity_.library_key;
  }
  membership.known_keys = engine->identity_.known_keys;
  if (engine->identity_.may_found) {
    membership.known_keys.push_back(engine->identity_.library_key);
  }
  membership.persist_key = engine->identity_.persist_key;
  membership.drop_member_seed = engine->identity_.drop_member_seed;
  membership.history_before_join = engine->options_.history_before_join;
  membership.clock = engine->clock_;
  SyncEngine* self = engine.get();
  membership.last_accepted = [self](const crypto::PublicKey& device) {
    return self->LastAccepted(device);
  };
  COVEN_ASSIGN_OR_RETURN(engine->membership_,
                         members::Membership::Open(engine->db_, engine->home_,
                                                   std::move(membership)));
  // The cached member log already tells a Reader or a removed member apart.
  // If the triggers cannot be created now the guard refuses through its
  // authorizer, and the next round tries again and reports.
  engine->guard_
      ->Set(engine->membership_->CanWrite().code() !=
            StatusCode::kPermissionDenied)
      .IgnoreError();

  COVEN_ASSIGN_OR_RETURN(auto open_flag, db::GetState(conn, "capture_open"));
  engine->need_recovery_ =
      engine->bootstrap_ || (open_flag.has_value() && *open_flag == "1");
  {
    COVEN_ASSIGN_OR_RETURN(db::Transaction txn, db::Transaction::Begin(conn));
    COVEN_RETURN_IF_ERROR(db::SetState(conn, "library_id", library_hex));
    COVEN_RETURN_IF_ERROR(db::SetState(conn, "device_id", device_hex));
    COVEN_RETURN_IF_ERROR(db::SetState(conn, "capture_open", "1"));
    COVEN_RETURN_IF_ERROR(txn.Commit());
  }
  COVEN_RETURN_IF_ERROR(engine->capture_->Attach());
  return engine;
}

SyncEngine::~SyncEngine() {
  if (capture_ && db_) {
    std::lock_guard<std::recursive_mutex> lock(db_->write_mutex());
    capture_->Detach();
  }
}

object::ObjectHeader SyncEngine::OwnHeader(
    object::ObjectKind kind, std::uint64_t seq,
    const std::string& prev_hash_hex, const crypto::LibraryKey& key) const {
  object::ObjectHeader header;
  header.kind = kind;
  header.library_id = identity_.library_id;
  header.key_id = key.id();
  header.member_seq = membership_->position();
  header.member_hash = membership_->SlotHash(header.member_seq);
  header.author_device = device_;
  header.author_public_key = identity_.signer.public_key();
  header.seq = seq;
  Bytes prev;
  if (HexDecode(prev_hash_hex, &prev) &&
      prev.size() == header.prev_hash.size()) {
    std::copy(prev.begin(), prev.end(), header.prev_hash.begin());
  }
  header.schema_version = SchemaVersion(key, schema_digest_);
  return header;
}

Status SyncEngine::Close() {
  std::lock_guard<std::recursive_mutex> lock(db_->write_mutex());
  COVEN_RETURN_IF_ERROR(RequireIdle(conn_, "closing sync"));
  COVEN_ASSIGN_OR_RETURN(std::size_t rows, FlushLocked());
  (void)rows;
  // Leave the flag for recovery when captured writes could not be sealed
  // (this device may not publish yet: enrolling, or the member log is
  // blocked): the next process finds them by their stamps.
  if (need_recovery_ || !capture_->SessionEmpty()) return Status::Ok();
  return db::SetState(conn_, "capture_open", "0");
}

void SyncEngine::SetLimits(const EngineLimits& limits) {
  std::lock_guard<std::mutex> round(round_mutex_);
  std::lock_guard<std::recursive_mutex> lock(db_->write_mutex());
  options_.max_object_bytes = limits.max_object_bytes;
  options_.max_payload_bytes = limits.max_payload_bytes;
  if (limits.audit_interval_ms != options_.audit_interval_ms) {
    options_.audit_interval_ms = limits.audit_interval_ms;
    next_audit_ms_ = std::min(next_audit_ms_,
                              clock_->NowMillis() + limits.audit_interval_ms);
  }
}

std::size_t SyncEngine::PendingObjects() {
  std::lock_guard<std::recursive_mutex> lock(db_->write_mutex());
  return outbox().Count().value_or(0);
}

Status SyncEngine::CheckHome() {
  return home_->List(home::layout::kHeadsPrefix, "", 1)
      .status()
      .Annotate("checking " + home_->Describe());
}

std::string SyncEngine::PendingError() {
  std::lock_guard<std::recursive_mutex> lock(db_->write_mutex());
  return outbox().OldestFailure().value_or("");
}

std::vector<WaitingAuthor> SyncEngine::Waiting() {
  std::lock_guard<std::recursive_mutex> lock(db_->write_mutex());
  std::vector<WaitingAuthor> out;
  auto stmt = db::Stmt::Prepare(conn_,
                                "SELECT author, seq, reason, since_ms FROM "
                                "_coven_waiting ORDER BY since_ms, author");
  if (!stmt.ok()) return out;
  while (true) {
    auto row = stmt->Step();
    if (!row.ok() || !*row) break;
    auto author = DeviceIdFromHex(stmt->ColumnText(0));
    if (!author) continue;
    out.push_back({*author, static_cast<std::uint64_t>(stmt->ColumnInt(1)),
                   stmt->ColumnText(2), stmt->ColumnInt(3)});
  }
  return out;
}

std::vector<QuarantineEntry> SyncEngine::Quarantined() {
  std::lock_guard<std::recursive_mutex> lock(db_->write_mutex());
  std::vector<QuarantineEntry> out;
  auto stmt = db::Stmt::Prepare(
      conn_, "SELECT path, reason FROM _coven_quarantine ORDER BY at_ms, path");
  if (!stmt.ok()) return out;
  while (true) {
    auto row = stmt->Step();
    if (!row.ok() || !*row) break;
    out.push_back({stmt->ColumnText(0), stmt->ColumnText(1)});
  }
  return out;
}

Result<RoundReport> SyncEngine::SyncOnce() {
  std::lock_guard<std::mutex> round(round_mutex_);
  RoundReport report;
  COVEN_RETURN_IF_ERROR(RefreshMembers(&report));
  COVEN_ASSIGN_OR_RETURN(report.flushed_rows, Flush());
  // Without the current key the device waits: nothing sealed with it
  // opens here, and nothing new is sealed (what was queued still goes).
  const std::string missing_key = membership_->MissingCurrentKey();
  if (!missing_key.empty()) {
    report.waiting.push_back(missing_key);
  } else if (!write_refusal_.ok()) {
    report.problems.push_back("local changes are kept but not published: " +
                              write_refusal_.message());
  }
  Status pushed = Push(&report);
  COVEN_RETURN_IF_ERROR(RepairPastCuts(&report));
  // Self-repair: the first round, then every audit interval.
  const bool audit =
      clock_->NowMillis() >= next_audit_ms_ &&
      membership_->CanWrite().code() != StatusCode::kFailedPrecondition;
  if (pushed.ok() && audit) {
    // A failed audit is a problem of this round, not a failed round: the
    // device's own writes went out. It is tried again in a minute.
    Status audited = AuditOwnLog(&report);
    if (!audited.ok()) {
      report.problems.push_back(
          "checking this device's objects in the home failed (" +
          audited.ToString() + "); tried again within a minute");
      next_audit_ms_ = clock_->NowMillis() +
                       std::min(kAuditRetryMs, options_.audit_interval_ms);
    }
    Result<std::size_t> wraps =
        membership_->RepairCurrentKeyWraps(&report.requests);
    if (!wraps.ok()) {
      // A passing failure is tried again within a minute, others in the
      // next hourly check (not the whole audit every minute).
      const bool soon = wraps.status().IsRetryable();
      report.problems.push_back(
          "checking the current library key's wraps in the home failed (" +
          wraps.status().ToString() + "); tried again " +
          (soon ? "within a minute" : "in the next check"));
      if (soon) {
        next_audit_ms_ = clock_->NowMillis() +
                         std::min(kAuditRetryMs, options_.audit_interval_ms);
      }
    } else if (*wraps > 0) {
      report.problems.push_back(
          "sealed the current library key to " + std::to_string(*wraps) +
          " member(s) or device(s) that had no wrap(s) of it in the home (a "
          "device enrolled by restore, or a wrap the home lost)");
    }
  }
  // A device not enrolled yet (or without the current key) pulls nothing:
  // rows applied before its first flush would be taken for its own.
  Status pulled =
      membership_->CanWrite().code() == StatusCode::kFailedPrecondition
          ? Status::Ok()
          : Pull(&report);
  // Quarantined objects are fetched again on audit rounds: an author may
  // have repaired what the home damaged.
  if (audit && pulled.ok()) {
    pulled = RetryQuarantinedLocked(&report, kQuarantineRetriesPerAudit);
  }
  if (pulled.ok()) pulled = SettleLost(&report);
  if (audit && pushed.ok() && pulled.ok() &&
      next_audit_ms_ <= clock_->NowMillis()) {
    next_audit_ms_ = audit_incomplete_
                         ? 0
                         : clock_->NowMillis() + options_.audit_interval_ms;
  }
  // Push again so that a flush made during pull (host writes) goes out.
  if (pushed.ok()) pushed = Push(&report);
  if (!pushed.ok()) return pushed;
  if (!pulled.ok()) return pulled;
  return report;
}

}  // namespace coven::engine
