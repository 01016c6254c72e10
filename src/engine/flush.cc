// SyncEngine::Flush: captured changes -> sealed objects in the outbox, in one
// transaction with the flush bookkeeping.
#include "db/sql.h"
#include "engine/sync_engine.h"
#include "util/crash_point.h"

namespace coven::engine {

Result<std::size_t> SyncEngine::Flush() {
  std::lock_guard<std::recursive_mutex> lock(db_->write_mutex());
  return FlushLocked();
}

Result<std::size_t> SyncEngine::FlushLocked() {
  if (!sqlite3_get_autocommit(conn_)) return std::size_t{0};
  COVEN_ASSIGN_OR_RETURN(auto flushed, db::GetState(conn_, "flushed_through"));
  Hlc flushed_through;
  if (flushed) {
    if (auto h = Hlc::FromText(*flushed)) flushed_through = *h;
  }
  bool new_tombstones = false;
  {
    COVEN_ASSIGN_OR_RETURN(
        db::Stmt probe,
        db::Stmt::Prepare(
            conn_, "SELECT 1 FROM _coven_tombstones WHERE hlc > ? LIMIT 1"));
    probe.Bind(1, flushed_through.ToText());
    COVEN_ASSIGN_OR_RETURN(new_tombstones, probe.Step());
  }
  if (capture_->SessionEmpty() && !need_recovery_ && !new_tombstones) {
    return std::size_t{0};
  }
  // Changes wait (captured, unconsumed) until this device may publish them.
  write_refusal_ = membership_->CanWrite();
  if (write_refusal_.code() == StatusCode::kFailedPrecondition) {
    return std::size_t{0};
  }
  const bool publish = write_refusal_.ok();
  crypto::LibraryKey key;
  if (publish) {
    COVEN_ASSIGN_OR_RETURN(key, membership_->CurrentKey());
  } else if (!need_recovery_) {
    return std::size_t{0};  // the write guard keeps new changes out
  }
  // A device that may never publish (a Reader, a removed member) still
  // consumes its start-up scan here, so rows it later receives are never
  // taken for its own; what it captured is dropped, not published.
  std::optional<Hlc> recover_after;
  if (need_recovery_) recover_after = bootstrap_ ? Hlc() : flushed_through;
  Result<db::Transaction> txn = db::Transaction::Begin(conn_);
  if (!txn.ok()) return txn.status().Annotate("flushing captured changes");
  // From here the session is consumed: if anything fails, the rows are
  // recovered from their stamps on the next flush.
  need_recovery_ = true;
  COVEN_ASSIGN_OR_RETURN(
      CapturedChanges captured,
      capture_->Collect(recover_after, flushed_through, bootstrap_));
  if (!publish && captured.rows == 0) write_refusal_ = Status::Ok();
  if (captured.rows > 0 && publish) {
    COVEN_ASSIGN_OR_RETURN(auto last_seq, db::GetState(conn_, "local_seq"));
    COVEN_ASSIGN_OR_RETURN(auto last_hash, db::GetState(conn_, "local_hash"));
    const std::uint64_t seq = last_seq ? std::stoull(*last_seq) + 1 : 1;
    object::ObjectHeader header = OwnHeader(object::ObjectKind::kLog, seq,
                                            last_hash.value_or(""), key.id());
    header.hlc_min = captured.hlc_min;
    header.hlc_max = captured.hlc_max;
    const std::string path = LogPath(device_, seq);
    COVEN_ASSIGN_OR_RETURN(
        Bytes sealed,
        object::Seal(path, header, captured.changeset, key, identity_.signer));
    if (sealed.size() > options_.max_object_bytes) {
      return ResourceExhaustedError(
          "a flush of " + std::to_string(captured.rows) + " rows seals to " +
          std::to_string(sealed.size()) + " bytes, above max_object_bytes (" +
          std::to_string(options_.max_object_bytes) +
          "); raise Config::max_object_bytes or sync more often");
    }
    COVEN_ASSIGN_OR_RETURN(
        db::Stmt insert,
        db::Stmt::Prepare(conn_,
                          "INSERT INTO cloud_outbox(seq, path, object, "
                          "rows, created_ms) VALUES(?, ?, ?, ?, ?)"));
    insert.Bind(1, static_cast<std::int64_t>(seq))
        .Bind(2, path)
        .BindBlob(3, sealed)
        .Bind(4, static_cast<std::int64_t>(captured.rows))
        .Bind(5, clock_->NowMillis());
    COVEN_RETURN_IF_ERROR(insert.Run());
    COVEN_RETURN_IF_ERROR(
        db::SetState(conn_, "local_seq", std::to_string(seq)));
    COVEN_RETURN_IF_ERROR(db::SetState(conn_, "local_hash",
                                       HexEncode(object::ObjectHash(sealed))));
  }
  const std::string last = hlc_->Last().ToText();
  COVEN_RETURN_IF_ERROR(db::SetState(conn_, "flushed_through", last));
  COVEN_RETURN_IF_ERROR(db::SetState(conn_, "hlc_high_water", last));
  CrashPoint("flush.before_commit");
  COVEN_RETURN_IF_ERROR(txn->Commit());
  CrashPoint("flush.after_commit");
  need_recovery_ = false;
  bootstrap_ = false;
  COVEN_RETURN_IF_ERROR(capture_->Attach());
  return publish ? captured.rows : std::size_t{0};
}

}  // namespace coven::engine
