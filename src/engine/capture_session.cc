// Capture: shipping what the session recorded.
#include "changeset/changeset_iter.h"
#include "changeset/spill_buffer.h"
#include "engine/capture.h"
#include "engine/capture_internal.h"

namespace coven::engine {

using capture_internal::NotTextWarning;
using capture_internal::ValueText;
using capture_internal::WriteRow;

// Ships what the session recorded, except rows shipped already by the scan
// (`covered`) or by the tombstone pass (`check_tombstones`).
Status Capture::ShipSession(
    void* spill, const Hlc& tombstone_floor, bool check_tombstones,
    const std::function<bool(const std::string&)>& covered, PartWriter* out) {
  changeset::ChangesetIter it(changeset::SpillBuffer::Input, spill);
  const TableSchema* table = nullptr;
  std::string last_name;
  bool first = true;
  COVEN_ASSIGN_OR_RETURN(db::Stmt put_tomb, db::PrepareTombstoneUpsert(db_));
  auto shipped_by_tombstones = [&](const std::string& id) -> Result<bool> {
    COVEN_ASSIGN_OR_RETURN(std::optional<Hlc> tomb, TombstoneOf(*table, id));
    return tomb && tomb->device == hlc_->device() && *tomb > tombstone_floor;
  };
  while (true) {
    COVEN_ASSIGN_OR_RETURN(bool row, it.Next());
    if (!row) break;
    // Compare names, not pointers: the iterator may reuse its name buffer.
    if (first || last_name != it.table()) {
      first = false;
      last_name = it.table();
      table = Find(last_name);
      if (table != nullptr) out->Table(*table);
    }
    if (table == nullptr) continue;
    const int op = it.op();
    sqlite3_value* pk = op == SQLITE_INSERT ? it.New(0) : it.Old(0);
    if (pk == nullptr) continue;
    if (sqlite3_value_type(pk) != SQLITE_TEXT) {
      if (op == SQLITE_INSERT) {
        out->warnings().push_back(NotTextWarning(*table, pk));
      }
      continue;
    }
    const std::string id = ValueText(pk);
    COVEN_ASSIGN_OR_RETURN(TableStatements * stmts, Statements(*table));
    if (op == SQLITE_DELETE) {
      COVEN_ASSIGN_OR_RETURN(std::optional<Hlc> tomb, TombstoneOf(*table, id));
      const bool own = tomb && tomb->device == hlc_->device();
      if (own && *tomb > tombstone_floor) continue;  // shipped with tombstones
      Hlc stamp;
      if (own) {
        stamp = *tomb;
      } else {
        // Deleted without our trigger (or over a remote stamp that this
        // local delete must supersede): stamp it now.
        stamp = hlc_->Now();
        put_tomb.Bind(1, table->name).Bind(2, id).Bind(3, stamp.ToText());
        COVEN_RETURN_IF_ERROR(put_tomb.Run());
      }
      changeset::ChangesetWriter& w = out->BeginDelete();
      for (int c = 0; c < static_cast<int>(table->columns.size()); ++c) {
        if (c == 0) {
          w.AddText(id);
        } else if (c == table->updated_at) {
          w.AddText(stamp.ToText());
        } else {
          w.AddNull();
        }
      }
      COVEN_RETURN_IF_ERROR(out->End(stamp));
      continue;
    }
    if (op == SQLITE_INSERT) {
      // Fast path: an INSERT record already holds the whole live row.
      const std::string current = ValueText(it.New(table->updated_at));
      if (covered(current)) continue;
      if (check_tombstones) {
        COVEN_ASSIGN_OR_RETURN(bool done, shipped_by_tombstones(id));
        if (done) continue;
      }
      std::optional<Hlc> stamp = OwnStamp(current);
      const bool restamp = !stamp;
      if (restamp) stamp = hlc_->Now();
      WriteRow(out->BeginInsert(), *table, stamp->ToText(),
               [&](int c) { return it.New(c); });
      COVEN_RETURN_IF_ERROR(out->End(*stamp));
      if (restamp) {
        stmts->restamp.Bind(1, stamp->ToText()).Bind(2, id);
        COVEN_RETURN_IF_ERROR(stmts->restamp.Run());
      }
      continue;
    }
    // An UPDATE record carries only the changed columns: read the whole row.
    const bool stamp_unchanged = it.New(table->updated_at) == nullptr;
    stmts->read.Bind(1, id);
    COVEN_ASSIGN_OR_RETURN(bool exists, stmts->read.Step());
    if (!exists) {
      stmts->read.Reset();
      continue;
    }
    const std::string current =
        ValueText(stmts->read.ColumnValue(table->updated_at));
    bool skip = covered(current);
    if (!skip && check_tombstones) {
      Result<bool> done = shipped_by_tombstones(id);
      if (!done.ok()) {
        stmts->read.Reset();
        return done.status();
      }
      skip = *done;
    }
    if (skip) {
      stmts->read.Reset();
      continue;
    }
    // A row-level LWW needs a fresh stamp on every write: restamp an update
    // that left the stamp alone, and rows stamped elsewhere.
    std::optional<Hlc> stamp = OwnStamp(current);
    const bool restamp = !stamp || stamp_unchanged;
    if (restamp) stamp = hlc_->Now();
    WriteRow(out->BeginInsert(), *table, stamp->ToText(),
             [&](int c) { return stmts->read.ColumnValue(c); });
    stmts->read.Reset();
    COVEN_RETURN_IF_ERROR(out->End(*stamp));
    if (restamp) {
      stmts->restamp.Bind(1, stamp->ToText()).Bind(2, id);
      COVEN_RETURN_IF_ERROR(stmts->restamp.Run());
    }
  }
  return Status::Ok();
}

}  // namespace coven::engine
