// Lost values: rows held out of their table by a constraint clash
// (docs/merge.md). Applying settles them; a round that applies nothing
// settles them too, because a local write may have freed a value.
#include <mutex>

#include "db/sql.h"
#include "engine/sync_engine.h"

namespace coven::engine {

std::vector<LostEntry> SyncEngine::Lost() {
  std::lock_guard<std::recursive_mutex> lock(db_->write_mutex());
  std::vector<LostEntry> out;
  auto stmt = db::Stmt::Prepare(
      conn_, "SELECT tbl, pk, hlc, reason FROM _coven_lost ORDER BY hlc, tbl");
  if (!stmt.ok()) return out;
  while (true) {
    auto row = stmt->Step();
    if (!row.ok() || !*row) break;
    out.push_back({stmt->ColumnText(0), stmt->ColumnText(1),
                   stmt->ColumnText(2), stmt->ColumnText(3)});
  }
  return out;
}

Status SyncEngine::SettleLost(RoundReport* report) {
  std::vector<changeset::RowChange> changes;
  std::unique_lock<std::recursive_mutex> lock(db_->write_mutex());
  // Inside a host transaction: the next round settles.
  if (!sqlite3_get_autocommit(conn_)) return Status::Ok();
  {
    COVEN_ASSIGN_OR_RETURN(
        db::Stmt any,
        db::Stmt::Prepare(conn_, "SELECT 1 FROM _coven_lost LIMIT 1"));
    COVEN_ASSIGN_OR_RETURN(bool held, any.Step());
    if (!held) return Status::Ok();
  }
  Status status = InApplyScope(report, [&](bool fk_on) -> Status {
    COVEN_ASSIGN_OR_RETURN(db::Transaction txn, db::Transaction::Begin(conn_));
    std::vector<std::string> notes;
    COVEN_RETURN_IF_ERROR(applier_->Reconcile(fk_on, &changes, &notes));
    COVEN_RETURN_IF_ERROR(txn.Commit());
    report->applied_rows += changes.size();
    report->problems.insert(report->problems.end(), notes.begin(), notes.end());
    return Status::Ok();
  });
  lock.unlock();
  if (!status.ok()) return status.Annotate("settling held rows");
  if (!changes.empty() && listener_) listener_(changes);
  return Status::Ok();
}

}  // namespace coven::engine
