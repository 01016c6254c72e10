// Applier::ReconcileParked: rows whose parent row is missing.
//
// Remote changes apply with foreign keys switched off, so a concurrent parent
// delete cannot cascade into rows it never saw and an early child cannot be
// refused. Afterwards every orphan (per PRAGMA foreign_key_check) is moved,
// as a one-row changeset, into _coven_parked, and parked rows are tried again
// whenever this runs, so a row reappears exactly when its parent does. The
// visible state is therefore "LWW winner of each row, if kept (not held by a
// constraint clash) and its parent is visible", whatever the delivery order.
#include "changeset/changeset_writer.h"
#include "engine/applier.h"

namespace coven::engine {

Status Applier::Reconcile(bool foreign_keys,
                          std::vector<changeset::RowChange>* changes,
                          std::vector<std::string>* notes) {
  if (foreign_keys) return ReconcileParked(changes, notes);
  bool moved = false;
  return ReconcileLost(changes, notes, &moved);
}

Status Applier::ReconcileParked(std::vector<changeset::RowChange>* changes,
                                std::vector<std::string>* notes) {
  const bool touched = validated_touches_foreign_keys_;
  validated_touches_foreign_keys_ = true;  // unknown until the next Validate
  bool parked_any = true;
  if (!touched) {
    COVEN_ASSIGN_OR_RETURN(
        db::Stmt any,
        db::Stmt::Prepare(db_, "SELECT 1 FROM _coven_parked LIMIT 1"));
    COVEN_ASSIGN_OR_RETURN(parked_any, any.Step());
  }
  if (!touched && !parked_any) {
    // Settling held rows can still orphan children of a row it moves.
    bool moved = false;
    COVEN_RETURN_IF_ERROR(ReconcileLost(changes, notes, &moved));
    if (!moved) return Status::Ok();
  }
  // 1. Restore every parked row (LWW still applies: tombstones and newer
  //    local rows win over it), so that parked rows hold their unique
  //    values while held rows are settled.
  std::set<std::pair<std::string, std::string>> restored;
  {
    COVEN_ASSIGN_OR_RETURN(
        db::Stmt parked,
        db::Stmt::Prepare(db_, "SELECT tbl, pk, change FROM _coven_parked"));
    std::vector<std::tuple<std::string, std::string, Bytes>> rows;
    while (true) {
      COVEN_ASSIGN_OR_RETURN(bool row, parked.Step());
      if (!row) break;
      rows.emplace_back(parked.ColumnText(0), parked.ColumnText(1),
                        parked.ColumnBlob(2));
    }
    if (!rows.empty()) {
      COVEN_RETURN_IF_ERROR(db::Exec(db_, "DELETE FROM _coven_parked"));
    }
    for (auto& [table, id, change] : rows) {
      COVEN_ASSIGN_OR_RETURN(ApplyStats stats, Apply(change));
      if (stats.applied > 0) restored.emplace(table, id);
      notes->insert(notes->end(), stats.notes.begin(), stats.notes.end());
    }
  }
  if (touched || parked_any) {
    bool moved = false;
    COVEN_RETURN_IF_ERROR(ReconcileLost(changes, notes, &moved));
  }

  // 2. Park every orphan.
  COVEN_ASSIGN_OR_RETURN(
      db::Stmt park,
      db::Stmt::Prepare(db_,
                        "INSERT INTO _coven_parked(tbl, pk, hlc, change) "
                        "VALUES(?, ?, ?, ?) ON CONFLICT(tbl, pk) DO "
                        "UPDATE SET hlc = excluded.hlc, change = "
                        "excluded.change"));
  StampContext saved = *stamps_;
  stamps_->mode = StampContext::Mode::kSilent;
  Status result = Status::Ok();
  for (const TableSchema& table : *tables_) {
    if (!table.has_foreign_keys) continue;
    const std::string quoted = "main." + db::QuoteIdentifier(table.name);
    Result<db::Stmt> check = db::Stmt::Prepare(
        db_,
        "SELECT DISTINCT rowid FROM pragma_foreign_key_check(?) "
        "WHERE rowid IS NOT NULL");
    Result<db::Stmt> read =
        db::Stmt::Prepare(db_, "SELECT * FROM " + quoted + " WHERE rowid = ?");
    Result<db::Stmt> remove =
        db::Stmt::Prepare(db_, "DELETE FROM " + quoted + " WHERE rowid = ?");
    if (!check.ok() || !read.ok() || !remove.ok()) {
      result = !check.ok() ? check.status()
                           : (!read.ok() ? read.status() : remove.status());
      break;
    }
    check->Bind(1, table.name);
    std::vector<std::int64_t> orphans;
    while (true) {
      Result<bool> row = check->Step();
      if (!row.ok()) {
        result = row.status();
        break;
      }
      if (!*row) break;
      orphans.push_back(check->ColumnInt(0));
    }
    if (!result.ok()) break;
    for (std::int64_t rowid : orphans) {
      read->Bind(1, rowid);
      Result<bool> row = read->Step();
      if (!row.ok() || !*row) {
        read->Reset();
        continue;
      }
      changeset::ChangesetWriter writer;
      writer.BeginTable(table.name, static_cast<int>(table.columns.size()));
      writer.BeginInsert();
      for (int c = 0; c < static_cast<int>(table.columns.size()); ++c) {
        writer.AddValue(read->ColumnValue(c));
      }
      std::string id = read->ColumnText(0);
      std::string stamp = read->ColumnText(table.updated_at);
      read->Reset();
      park.Bind(1, table.name)
          .Bind(2, id)
          .Bind(3, stamp)
          .BindBlob(4, writer.Finish());
      result = park.Run();
      if (result.ok()) {
        remove->Bind(1, rowid);
        result = remove->Run();
      }
      if (!result.ok()) break;
      if (restored.erase({table.name, id}) == 0 && changes != nullptr) {
        changes->push_back(
            {table.name, id, changeset::RowChange::Op::kDelete, stamp, true});
      }
    }
    if (!result.ok()) break;
  }
  *stamps_ = saved;
  COVEN_RETURN_IF_ERROR(result);
  if (changes != nullptr) {
    for (const auto& [table, id] : restored) {
      changes->push_back(
          {table, id, changeset::RowChange::Op::kUpsert, "", true});
    }
  }
  return Status::Ok();
}

}  // namespace coven::engine
