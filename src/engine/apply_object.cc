// SyncEngine::ApplyObject and the scope every apply runs in: one remote
// object applied in one transaction with its author's cursor.
#include <algorithm>
#include <iterator>

#include "db/sql.h"
#include "engine/cursors.h"
#include "engine/sync_engine.h"
#include "util/crash_point.h"

namespace coven::engine {

Status SyncEngine::ApplyObject(std::uint64_t author, std::uint64_t seq,
                               const std::string& path,
                               const object::ObjectHeader& header,
                               const Bytes& object, const Bytes& payload,
                               std::vector<changeset::RowChange>* changes,
                               RoundReport* report, bool retry) {
  if (!retry && header.kind == object::ObjectKind::kLogPart) {
    return StagePart(author, seq, path, header, object, payload);
  }
  std::lock_guard<std::recursive_mutex> lock(db_->write_mutex());
  Status status = InApplyScope(report, [&](bool fk_on) -> Status {
    COVEN_ASSIGN_OR_RETURN(db::Transaction txn, db::Transaction::Begin(conn_));
    COVEN_ASSIGN_OR_RETURN(
        ApplyStats stats,
        ApplyWithStaged(author, header, payload, !retry, report));
    std::vector<changeset::RowChange> local = std::move(stats.changes);
    stats.changes.clear();
    COVEN_RETURN_IF_ERROR(applier_->Reconcile(fk_on, &local, &stats.notes));
    if (retry) {
      // A quarantined object applied late: LWW makes the order irrelevant,
      // and the cursor has already moved past it.
      COVEN_ASSIGN_OR_RETURN(
          db::Stmt done,
          db::Stmt::Prepare(conn_,
                            "DELETE FROM _coven_quarantine WHERE path = ?"));
      done.Bind(1, path);
      COVEN_RETURN_IF_ERROR(done.Run());
    } else {
      COVEN_RETURN_IF_ERROR(AdvanceCursor(author, seq, header, object));
    }
    COVEN_RETURN_IF_ERROR(NoteApplied(author, seq, header.member_seq,
                                      object::ObjectHash(object),
                                      header.hlc_min));
    COVEN_RETURN_IF_ERROR(
        db::SetState(conn_, "hlc_high_water", hlc_->Last().ToText()));
    CrashPoint("apply.before_commit");
    COVEN_RETURN_IF_ERROR(txn.Commit());
    CrashPoint("apply.after_commit");
    ++report->pulled_objects;
    // Rows changed: the applied records plus parked rows restored or moved.
    report->applied_rows += std::max(stats.applied, local.size());
    for (const std::string& note : stats.notes) {
      report->problems.push_back(path + ": " + note);
    }
    // Moved, not copied: a large object lists a row change (strings) per
    // row when a listener wants them.
    changes->insert(changes->end(), std::make_move_iterator(local.begin()),
                    std::make_move_iterator(local.end()));
    return Status::Ok();
  });
  return status.Annotate("applying " + path);
}

Status SyncEngine::InApplyScope(RoundReport* report,
                                const std::function<Status(bool)>& apply) {
  if (!sqlite3_get_autocommit(conn_)) {
    return UnavailableError("the host has a write transaction open");
  }
  // Local writes go out first, and no session may watch the apply.
  COVEN_ASSIGN_OR_RETURN(std::size_t flushed, FlushLocked());
  report->flushed_rows += flushed;
  capture_->Detach();
  COVEN_ASSIGN_OR_RETURN(db::Stmt fk,
                         db::Stmt::Prepare(conn_, "PRAGMA foreign_keys"));
  COVEN_ASSIGN_OR_RETURN(bool fk_row, fk.Step());
  const bool fk_on = fk_row && fk.ColumnInt(0) != 0;
  fk.Reset();
  if (fk_on) COVEN_RETURN_IF_ERROR(db::Exec(conn_, "PRAGMA foreign_keys=OFF"));
  applying_->store(true);
  Status status = apply(fk_on);
  applying_->store(false);
  if (fk_on) db::Exec(conn_, "PRAGMA foreign_keys=ON").IgnoreError();
  Status attached = capture_->Attach();
  if (!status.ok()) return status;
  return attached;
}

}  // namespace coven::engine
