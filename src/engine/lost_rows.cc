// Applier::ReconcileLost: rows held out of their table by a constraint clash
// (docs/merge.md, "Constraint clashes").
//
// Apply never settles a clash itself: a winning row version that SQLite
// refuses (UNIQUE, CHECK, NOT NULL) goes to _coven_lost. Here every held row
// is tried again, newest (stamp, id) first, until nothing moves:
//   - a tombstone or a table row of the same id at least as new supersedes
//     it: the entry goes;
//   - an older table row of the same id is superseded by it: that row leaves
//     the table (silently: no tombstone, nothing shipped);
//   - a table row with a newer (stamp, id) holds one of its unique values:
//     it stays held;
//   - otherwise the table rows holding its unique values (all older) move to
//     _coven_lost and it is inserted; if SQLite still refuses it (CHECK, NOT
//     NULL, an index coven does not arbitrate) nothing moves and it stays
//     held with SQLite's message.
// When nothing moves, no two rows of a table clash and every held row
// clashes with a newer row of its table or fails its own constraints. For a
// given set of row versions exactly one state is like that (docs/merge.md),
// so every device reaches the same one whatever the arrival order.
#include <tuple>

#include "changeset/changeset_iter.h"
#include "changeset/changeset_writer.h"
#include "engine/applier.h"

namespace coven::engine {

namespace {

// The argument in docs/merge.md bounds the passes; this only guards a bug.
constexpr int kMaxPasses = 10'000;

std::string KeyColumns(const TableSchema& table, const UniqueKey& key) {
  std::string out;
  for (int c : key.columns) {
    if (!out.empty()) out += ", ";
    out += table.columns[c].name;
  }
  return out;
}

}  // namespace

struct Applier::HeldRow {
  std::string table;
  std::string id;
  std::string stamp;
  Bytes change;
};

Status Applier::HoldLost(const TableSchema& table, const std::string& id,
                         const std::string& stamp, ByteView change,
                         const std::string& reason) {
  COVEN_ASSIGN_OR_RETURN(
      db::Stmt put,
      db::Stmt::Prepare(
          db_,
          "INSERT INTO _coven_lost(tbl, pk, hlc, change, reason) "
          "VALUES(?, ?, ?, ?, ?) ON CONFLICT(tbl, pk) DO UPDATE SET "
          "hlc = excluded.hlc, change = excluded.change, reason = "
          "excluded.reason WHERE excluded.hlc >= _coven_lost.hlc"));
  put.Bind(1, table.name)
      .Bind(2, id)
      .Bind(3, stamp)
      .BindBlob(4, change)
      .Bind(5, reason);
  COVEN_RETURN_IF_ERROR(put.Run());
  fresh_lost_.emplace(table.name, id);
  return Status::Ok();
}

Status Applier::HoldIncoming(const TableSchema& table,
                             sqlite3_changeset_iter* it, int columns,
                             const std::string& id, const std::string& reason) {
  changeset::ChangesetWriter writer;
  writer.BeginTable(table.name, columns);
  writer.BeginInsert();
  std::string stamp;
  for (int c = 0; c < columns; ++c) {
    sqlite3_value* v = nullptr;
    sqlite3changeset_new(it, c, &v);
    writer.AddValue(v);
    if (c == table.updated_at) stamp = changeset::ValueToText(v);
  }
  return HoldLost(table, id, stamp, writer.Finish(), reason);
}

Status Applier::SetLostReason(const std::string& table, const std::string& id,
                              const std::string& reason) {
  COVEN_ASSIGN_OR_RETURN(
      db::Stmt set,
      db::Stmt::Prepare(db_,
                        "UPDATE _coven_lost SET reason = ? WHERE tbl = ? AND "
                        "pk = ? AND reason <> ?"));
  return set.Bind(1, reason).Bind(2, table).Bind(3, id).Bind(4, reason).Run();
}

Status Applier::DropLost(const std::string& table, const std::string& id) {
  COVEN_ASSIGN_OR_RETURN(
      db::Stmt drop,
      db::Stmt::Prepare(db_,
                        "DELETE FROM _coven_lost WHERE tbl = ? AND pk = ?"));
  return drop.Bind(1, table).Bind(2, id).Run();
}

Result<bool> Applier::SettleHeld(const HeldRow& held,
                                 std::vector<changeset::RowChange>* changes,
                                 std::vector<std::string>* notes) {
  const TableSchema* table = Find(held.table.c_str());
  if (table == nullptr) return false;  // not synced now: kept as it is
  const std::string quoted = "main." + db::QuoteIdentifier(table->name);
  bool moved = false;

  // 1. Versions of the same row.
  COVEN_ASSIGN_OR_RETURN(
      db::Stmt tomb,
      db::Stmt::Prepare(
          db_, "SELECT hlc FROM _coven_tombstones WHERE tbl = ? AND pk = ?"));
  tomb.Bind(1, table->name).Bind(2, held.id);
  COVEN_ASSIGN_OR_RETURN(bool deleted, tomb.Step());
  if (deleted && tomb.ColumnText(0) >= held.stamp) {
    COVEN_RETURN_IF_ERROR(DropLost(table->name, held.id));
    return false;
  }
  COVEN_ASSIGN_OR_RETURN(
      db::Stmt same,
      db::Stmt::Prepare(
          db_, "SELECT " +
                   db::QuoteIdentifier(table->columns[table->updated_at].name) +
                   " FROM " + quoted + " WHERE id = ?"));
  same.Bind(1, held.id);
  COVEN_ASSIGN_OR_RETURN(bool present, same.Step());
  if (present) {
    if (same.ColumnText(0) >= held.stamp) {
      COVEN_RETURN_IF_ERROR(DropLost(table->name, held.id));
      return false;
    }
    same.Reset();
    COVEN_ASSIGN_OR_RETURN(
        db::Stmt remove,
        db::Stmt::Prepare(db_, "DELETE FROM " + quoted + " WHERE id = ?"));
    COVEN_RETURN_IF_ERROR(remove.Bind(1, held.id).Run());
    changes->push_back({table->name, held.id, changeset::RowChange::Op::kDelete,
                        held.stamp, true});
    moved = true;
  }

  // 2. The held version itself.
  changeset::ChangesetIter it(held.change);
  COVEN_ASSIGN_OR_RETURN(bool row, it.Next());
  if (!row || it.op() != SQLITE_INSERT ||
      it.columns() != static_cast<int>(table->columns.size())) {
    COVEN_RETURN_IF_ERROR(
        SetLostReason(table->name, held.id, "damaged entry; kept as it is"));
    return moved;
  }

  // 3. Rows that hold its unique values.
  const auto mine = std::tie(held.stamp, held.id);
  std::vector<std::pair<std::string, std::string>> older;  // (id, stamp)
  for (const UniqueKey& key : table->unique_keys) {
    if (!key.plain) continue;
    std::string sql =
        "SELECT id, " +
        db::QuoteIdentifier(table->columns[table->updated_at].name) + " FROM " +
        quoted + " WHERE id <> ?1";
    bool has_null = false;
    for (std::size_t k = 0; k < key.columns.size(); ++k) {
      sqlite3_value* v = it.New(key.columns[k]);
      if (v == nullptr || sqlite3_value_type(v) == SQLITE_NULL) has_null = true;
      sql += " AND " +
             db::QuoteIdentifier(table->columns[key.columns[k]].name) + " = ?" +
             std::to_string(k + 2) + " COLLATE " +
             db::QuoteIdentifier(key.collations[k]);
    }
    if (has_null) continue;  // NULL never clashes
    COVEN_ASSIGN_OR_RETURN(db::Stmt find, db::Stmt::Prepare(db_, sql));
    find.Bind(1, held.id);
    for (std::size_t k = 0; k < key.columns.size(); ++k) {
      find.BindValue(static_cast<int>(k) + 2, it.New(key.columns[k]));
    }
    while (true) {
      COVEN_ASSIGN_OR_RETURN(bool hit, find.Step());
      if (!hit) break;
      std::string id = find.ColumnText(0);
      std::string stamp = find.ColumnText(1);
      if (std::tie(stamp, id) > mine) {
        COVEN_RETURN_IF_ERROR(SetLostReason(
            table->name, held.id,
            "UNIQUE(" + KeyColumns(*table, key) + ") is held by " +
                table->name + "/" + id + ", written later"));
        return moved;
      }
      older.emplace_back(std::move(id), std::move(stamp));
    }
  }

  // 4. It wins every clash: the older claimants make way, unless SQLite
  //    still refuses it.
  COVEN_RETURN_IF_ERROR(db::Exec(db_, "SAVEPOINT coven_settle"));
  Status status = Status::Ok();
  std::vector<std::string> displaced;
  {
    Result<db::Stmt> read =
        db::Stmt::Prepare(db_, "SELECT * FROM " + quoted + " WHERE id = ?");
    Result<db::Stmt> remove =
        db::Stmt::Prepare(db_, "DELETE FROM " + quoted + " WHERE id = ?");
    status = !read.ok() ? read.status() : remove.status();
    for (const auto& [id, stamp] : older) {
      if (!status.ok()) break;
      read->Bind(1, id);
      Result<bool> found = read->Step();
      if (!found.ok()) {
        status = found.status();
        break;
      }
      if (!*found) {  // already displaced through another key
        read->Reset();
        continue;
      }
      changeset::ChangesetWriter writer;
      writer.BeginTable(table->name, static_cast<int>(table->columns.size()));
      writer.BeginInsert();
      for (int c = 0; c < static_cast<int>(table->columns.size()); ++c) {
        writer.AddValue(read->ColumnValue(c));
      }
      read->Reset();
      status = HoldLost(*table, id, stamp, writer.Finish(),
                        "its unique value is held by " + table->name + "/" +
                            held.id + ", written later");
      if (status.ok()) status = remove->Bind(1, id).Run();
      if (status.ok()) displaced.push_back(id);
    }
  }
  if (status.ok()) {
    std::string sql = "INSERT INTO " + quoted + " VALUES(";
    for (std::size_t c = 0; c < table->columns.size(); ++c) {
      sql += (c ? ", ?" : "?") + std::to_string(c + 1);
    }
    Result<db::Stmt> insert = db::Stmt::Prepare(db_, sql + ")");
    status = insert.status();
    if (insert.ok()) {
      for (int c = 0; c < static_cast<int>(table->columns.size()); ++c) {
        insert->BindValue(c + 1, it.New(c));
      }
      status = insert->Run();
    }
    if (!status.ok() && (sqlite3_errcode(db_) & 0xff) == SQLITE_CONSTRAINT) {
      // Refused for its own values (or an index coven does not arbitrate):
      // nothing moves.
      const std::string reason = sqlite3_errmsg(db_);
      COVEN_RETURN_IF_ERROR(
          db::Exec(db_, "ROLLBACK TO coven_settle; RELEASE coven_settle"));
      COVEN_RETURN_IF_ERROR(SetLostReason(table->name, held.id, reason));
      return moved;
    }
  }
  if (!status.ok()) {
    db::Exec(db_, "ROLLBACK TO coven_settle; RELEASE coven_settle")
        .IgnoreError();
    return status;
  }
  COVEN_RETURN_IF_ERROR(db::Exec(db_, "RELEASE coven_settle"));
  COVEN_RETURN_IF_ERROR(DropLost(table->name, held.id));
  for (const std::string& id : displaced) {
    changes->push_back(
        {table->name, id, changeset::RowChange::Op::kDelete, "", true});
  }
  changes->push_back({table->name, held.id, changeset::RowChange::Op::kUpsert,
                      held.stamp, true});
  if (fresh_lost_.count({table->name, held.id}) == 0) {
    notes->push_back("row " + table->name + "/" + held.id +
                     " is back: no newer row claims its unique values now");
  }
  return true;
}

Status Applier::ReconcileLost(std::vector<changeset::RowChange>* changes,
                              std::vector<std::string>* notes, bool* moved) {
  *moved = false;
  COVEN_ASSIGN_OR_RETURN(
      db::Stmt any,
      db::Stmt::Prepare(db_, "SELECT 1 FROM _coven_lost LIMIT 1"));
  COVEN_ASSIGN_OR_RETURN(bool some, any.Step());
  if (!some) {
    fresh_lost_.clear();
    return Status::Ok();
  }
  COVEN_ASSIGN_OR_RETURN(
      db::Stmt list,
      db::Stmt::Prepare(db_,
                        "SELECT tbl, pk, hlc, change FROM _coven_lost ORDER "
                        "BY hlc DESC, pk DESC, tbl"));
  COVEN_ASSIGN_OR_RETURN(
      db::Stmt current,
      db::Stmt::Prepare(
          db_, "SELECT hlc FROM _coven_lost WHERE tbl = ? AND pk = ?"));
  StampContext saved = *stamps_;
  stamps_->mode = StampContext::Mode::kSilent;
  Status result = Status::Ok();
  for (int pass = 0; pass < kMaxPasses && result.ok(); ++pass) {
    std::vector<HeldRow> held;
    while (result.ok()) {
      Result<bool> row = list.Step();
      if (!row.ok()) result = row.status();
      if (!row.ok() || !*row) break;
      held.push_back({list.ColumnText(0), list.ColumnText(1),
                      list.ColumnText(2), list.ColumnBlob(3)});
    }
    list.Reset();
    bool any_moved = false;
    for (const HeldRow& h : held) {
      if (!result.ok()) break;
      // Still held, as this version? (An earlier row of this pass may have
      // superseded or displaced it.)
      current.Bind(1, h.table).Bind(2, h.id);
      Result<bool> still = current.Step();
      const bool same =
          still.ok() && *still && current.ColumnText(0) == h.stamp;
      current.Reset();
      if (!still.ok()) result = still.status();
      if (!same) continue;
      Result<bool> settled = SettleHeld(h, changes, notes);
      if (!settled.ok()) result = settled.status();
      if (settled.ok() && *settled) any_moved = true;
    }
    if (!any_moved) break;
    *moved = true;
  }
  *stamps_ = saved;
  COVEN_RETURN_IF_ERROR(result);
  // Report the rows that went aside in this apply and are still there.
  COVEN_ASSIGN_OR_RETURN(
      db::Stmt reason,
      db::Stmt::Prepare(
          db_, "SELECT reason FROM _coven_lost WHERE tbl = ? AND pk = ?"));
  for (const auto& [table, id] : fresh_lost_) {
    reason.Bind(1, table).Bind(2, id);
    COVEN_ASSIGN_OR_RETURN(bool held, reason.Step());
    if (held) {
      notes->push_back("row " + table + "/" + id +
                       " is held aside as lost: " + reason.ColumnText(0));
    }
    reason.Reset();
  }
  fresh_lost_.clear();
  return Status::Ok();
}

}  // namespace coven::engine
