#include "engine/applier.h"

#include "changeset/changeset_iter.h"
#include "changeset/changeset_writer.h"

namespace coven::engine {

namespace {

int ConflictTrampoline(void* ctx, int type, sqlite3_changeset_iter* it) {
  return static_cast<Applier*>(ctx)->OnConflict(type, it);
}

std::string Stamp(sqlite3_value* v) { return changeset::ValueToText(v); }

}  // namespace

Applier::Applier(sqlite3* db, const std::vector<TableSchema>* tables,
                 StampContext* stamps, HlcClock* hlc)
    : db_(db), tables_(tables), stamps_(stamps), hlc_(hlc) {}

const TableSchema* Applier::Find(const char* table) const {
  if (table == nullptr) return nullptr;
  for (const TableSchema& t : *tables_) {
    if (t.name == table) return &t;
  }
  return nullptr;
}

Result<db::Stmt*> Applier::UpdateStatement(const TableSchema& table) {
  auto found = updates_.find(table.name);
  if (found != updates_.end()) return &found->second;
  std::string sql = "UPDATE main." + db::QuoteIdentifier(table.name) + " SET ";
  for (std::size_t c = 1; c < table.columns.size(); ++c) {
    if (c > 1) sql += ", ";
    sql += db::QuoteIdentifier(table.columns[c].name) + " = ?" +
           std::to_string(c + 1);
  }
  sql += " WHERE id = ?1";
  COVEN_ASSIGN_OR_RETURN(db::Stmt stmt, db::Stmt::Prepare(db_, sql));
  return &updates_.emplace(table.name, std::move(stmt)).first->second;
}

int Applier::OnConflict(int type, sqlite3_changeset_iter* raw) {
  try {
    const char* table_name = nullptr;
    int ncol = 0, op = 0, indirect = 0;
    sqlite3changeset_op(raw, &table_name, &ncol, &op, &indirect);
    const TableSchema* table = Find(table_name);
    if (table == nullptr) return SQLITE_CHANGESET_ABORT;
    const int stamp_col = table->updated_at;
    sqlite3_value* pk = nullptr;
    if (op == SQLITE_INSERT) {
      sqlite3changeset_new(raw, 0, &pk);
    } else {
      sqlite3changeset_old(raw, 0, &pk);
    }
    const std::string id = changeset::ValueToText(pk);
    auto omit = [&] {
      omitted_[table->name].insert(id);
      return SQLITE_CHANGESET_OMIT;
    };
    auto hold = [&](const std::string& reason) {
      Status held = HoldIncoming(*table, raw, ncol, id, reason);
      if (!held.ok()) {
        handler_error_ = held;
        return SQLITE_CHANGESET_ABORT;
      }
      return omit();
    };
    switch (type) {
      case SQLITE_CHANGESET_CONFLICT: {  // INSERT over an existing row
        sqlite3_value* incoming = nullptr;
        sqlite3_value* local = nullptr;
        sqlite3changeset_new(raw, stamp_col, &incoming);
        sqlite3changeset_conflict(raw, stamp_col, &local);
        if (Stamp(incoming) <= Stamp(local)) return omit();
        Result<db::Stmt*> update = UpdateStatement(*table);
        if (!update.ok()) {
          handler_error_ = update.status();
          return SQLITE_CHANGESET_ABORT;
        }
        db::Stmt& stmt = **update;
        for (int c = 0; c < ncol; ++c) {
          sqlite3_value* v = nullptr;
          sqlite3changeset_new(raw, c, &v);
          stmt.BindValue(c + 1, v);
        }
        Status status = stmt.Run();
        if (!status.ok()) {
          const bool clash = (sqlite3_errcode(db_) & 0xff) == SQLITE_CONSTRAINT;
          const std::string reason = sqlite3_errmsg(db_);
          stmt.Reset();
          if (!clash) {
            handler_error_ = status;
            return SQLITE_CHANGESET_ABORT;
          }
          // A UNIQUE or CHECK clash: the newer version is held and
          // ReconcileLost settles it (docs/merge.md).
          return hold(reason);
        }
        // Applied by us; the change itself is omitted but is an effective
        // update, so it is not recorded as omitted.
        return SQLITE_CHANGESET_OMIT;
      }
      case SQLITE_CHANGESET_DATA: {
        if (op != SQLITE_DELETE) return omit();
        sqlite3_value* deletion = nullptr;
        sqlite3_value* local = nullptr;
        sqlite3changeset_old(raw, stamp_col, &deletion);
        sqlite3changeset_conflict(raw, stamp_col, &local);
        if (Stamp(deletion) <= Stamp(local)) return omit();
        stamps_->delete_stamp = Stamp(deletion);
        return SQLITE_CHANGESET_REPLACE;
      }
      case SQLITE_CHANGESET_NOTFOUND:
        return omit();
      case SQLITE_CHANGESET_CONSTRAINT:  // an INSERT SQLite refused
        if (op == SQLITE_INSERT) return hold("refused by a constraint here");
        notes_.push_back("deletion of row " + table->name + "/" + id +
                         " refused by a constraint here; the row stays");
        return omit();
      default:  // FOREIGN_KEY: foreign keys are off during apply.
        return SQLITE_CHANGESET_OMIT;
    }
  } catch (...) {
    handler_error_ = InternalError("exception in conflict handler");
    return SQLITE_CHANGESET_ABORT;
  }
}

Result<Bytes> Applier::DropDominated(ByteView data, bool* changed) {
  *changed = false;
  // Most receivers have no tombstones in most tables: skip the pass then.
  {
    COVEN_ASSIGN_OR_RETURN(
        db::Stmt probe,
        db::Stmt::Prepare(db_, "SELECT 1 FROM _coven_tombstones LIMIT 1"));
    COVEN_ASSIGN_OR_RETURN(bool any_tombstone, probe.Step());
    if (!any_tombstone) return Bytes();
  }
  // Tables that have tombstones at all.
  COVEN_ASSIGN_OR_RETURN(
      db::Stmt any,
      db::Stmt::Prepare(
          db_, "SELECT 1 FROM _coven_tombstones WHERE tbl = ? LIMIT 1"));
  COVEN_ASSIGN_OR_RETURN(
      db::Stmt tomb,
      db::Stmt::Prepare(
          db_, "SELECT hlc FROM _coven_tombstones WHERE tbl = ? AND pk = ?"));
  std::map<std::string, bool> has_tombs;
  std::vector<std::size_t> dropped;
  {
    changeset::ChangesetIter it(data);
    std::size_t index = 0;
    while (true) {
      COVEN_ASSIGN_OR_RETURN(bool row, it.Next());
      if (!row) break;
      const std::size_t current = index++;
      if (it.op() != SQLITE_INSERT) continue;
      auto known = has_tombs.find(it.table());
      if (known == has_tombs.end()) {
        any.Bind(1, std::string_view(it.table()));
        COVEN_ASSIGN_OR_RETURN(bool some, any.Step());
        any.Reset();
        known = has_tombs.emplace(it.table(), some).first;
      }
      if (!known->second) continue;
      const TableSchema* table = Find(it.table());
      tomb.Bind(1, std::string_view(it.table()))
          .Bind(2, changeset::ValueToText(it.New(0)));
      COVEN_ASSIGN_OR_RETURN(bool found, tomb.Step());
      std::string tomb_stamp = found ? tomb.ColumnText(0) : std::string();
      tomb.Reset();
      if (found && tomb_stamp >= Stamp(it.New(table->updated_at))) {
        dropped.push_back(current);
        omitted_[table->name].insert(changeset::ValueToText(it.New(0)));
      }
    }
  }
  if (dropped.empty()) return Bytes();
  *changed = true;
  changeset::ChangesetWriter writer;
  changeset::ChangesetIter it(data);
  std::size_t index = 0, next_drop = 0;
  std::string current_table;
  while (true) {
    COVEN_ASSIGN_OR_RETURN(bool row, it.Next());
    if (!row) break;
    const std::size_t current = index++;
    if (next_drop < dropped.size() && dropped[next_drop] == current) {
      ++next_drop;
      continue;
    }
    if (current_table != it.table()) {
      current_table = it.table();
      writer.BeginTable(current_table, it.columns());
    }
    const bool insert = it.op() == SQLITE_INSERT;
    if (insert) {
      writer.BeginInsert();
    } else {
      writer.BeginDelete();
    }
    for (int c = 0; c < it.columns(); ++c) {
      writer.AddValue(insert ? it.New(c) : it.Old(c));
    }
  }
  return writer.Finish();
}

Result<ApplyStats> Applier::Apply(ByteView data) {
  handler_error_ = Status::Ok();
  omitted_.clear();
  notes_.clear();
  bool filtered = false;
  COVEN_ASSIGN_OR_RETURN(Bytes effective, DropDominated(data, &filtered));
  ByteView input = filtered ? ByteView(effective) : data;

  StampContext saved = *stamps_;
  stamps_->mode = StampContext::Mode::kApplying;
  stamps_->delete_stamp.clear();
  int rc = SQLITE_OK;
  if (!input.empty()) {
    rc = sqlite3changeset_apply_v2(db_, static_cast<int>(input.size()),
                                   const_cast<std::uint8_t*>(input.data()),
                                   nullptr, ConflictTrampoline, this, nullptr,
                                   nullptr, SQLITE_CHANGESETAPPLY_NOSAVEPOINT);
  }
  *stamps_ = saved;
  if (!handler_error_.ok()) return handler_error_;
  if (rc != SQLITE_OK) return db::SqliteError(db_, rc, "applying changeset");

  // Tombstones for every deletion, whether or not it removed a row, and the
  // list of rows that changed.
  ApplyStats stats;
  const std::size_t deletes = validated_deletes_;
  validated_deletes_ = SIZE_MAX;
  if (!collect_changes_ && deletes == 0) {
    std::size_t omitted = 0;
    for (const auto& [table, ids] : omitted_) omitted += ids.size();
    stats.records = validated_records_;
    stats.applied =
        validated_records_ > omitted ? validated_records_ - omitted : 0;
    stats.notes = std::move(notes_);
    hlc_->Seed(validated_newest_);
    return stats;
  }
  COVEN_ASSIGN_OR_RETURN(db::Stmt put_tomb, db::PrepareTombstoneUpsert(db_));
  changeset::ChangesetIter it(data);
  Hlc newest;
  while (true) {
    COVEN_ASSIGN_OR_RETURN(bool row, it.Next());
    if (!row) break;
    ++stats.records;
    const TableSchema* table = Find(it.table());
    const bool insert = it.op() == SQLITE_INSERT;
    sqlite3_value* stamp_value =
        insert ? it.New(table->updated_at) : it.Old(table->updated_at);
    std::string id = changeset::ValueToText(insert ? it.New(0) : it.Old(0));
    std::string stamp = Stamp(stamp_value);
    if (auto h = Hlc::FromText(stamp); h && *h > newest) newest = *h;
    if (!insert) {
      put_tomb.Bind(1, table->name).Bind(2, id).Bind(3, stamp);
      COVEN_RETURN_IF_ERROR(put_tomb.Run());
    }
    auto omitted = omitted_.find(table->name);
    if (omitted != omitted_.end() && omitted->second.count(id)) continue;
    ++stats.applied;
    if (!collect_changes_) continue;
    stats.changes.push_back({table->name, id,
                             insert ? changeset::RowChange::Op::kUpsert
                                    : changeset::RowChange::Op::kDelete,
                             stamp, true});
  }
  hlc_->Seed(newest);
  stats.notes = std::move(notes_);
  return stats;
}

}  // namespace coven::engine
