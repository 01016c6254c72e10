// Capture: the stamp scan and the tombstone pass, which ship rows the
// session did not record (a start-up recovery, a first sync, a session that
// stopped recording above its limit).
#include "engine/capture.h"
#include "engine/capture_internal.h"

namespace coven::engine {

using capture_internal::NotTextWarning;
using capture_internal::ValueText;
using capture_internal::WriteRow;

// Ships the rows of `table` stamped by this device after `floor` (with
// `include_foreign`: every row, restamping the others), one page at a time.
// Pages follow the rowid (or, in a WITHOUT ROWID table, the primary key),
// which restamping never changes, and restamps run between pages: a row is
// never visited twice, whatever indexes the host put on `_updated_at`.
Status Capture::ScanTable(const TableSchema& table, const Hlc& floor,
                          bool include_foreign, PartWriter* out) {
  const std::string quoted = "main." + db::QuoteIdentifier(table.name);
  std::string key = "rowid";
  std::string from = quoted + " NOT INDEXED";
  std::string filter = include_foreign ? "" : "_updated_at > ?2";
  {
    // A WITHOUT ROWID table has no rowid: page by its primary key and filter
    // the stamps here (an index on `_updated_at` must not drive the scan).
    Result<db::Stmt> probe =
        db::Stmt::Prepare(db_, "SELECT rowid FROM " + quoted + " LIMIT 0");
    if (!probe.ok()) {
      key = "id";
      from = quoted;
      filter.clear();
    }
  }
  auto query = [&](bool first) {
    std::string where;
    if (!first) where = key + " > ?1";
    if (!filter.empty()) where += (where.empty() ? "" : " AND ") + filter;
    return "SELECT " + key + ", * FROM " + from +
           (where.empty() ? "" : " WHERE " + where) + " ORDER BY " + key +
           " LIMIT " + std::to_string(kScanPage);
  };
  COVEN_ASSIGN_OR_RETURN(db::Stmt first, db::Stmt::Prepare(db_, query(true)));
  COVEN_ASSIGN_OR_RETURN(db::Stmt next, db::Stmt::Prepare(db_, query(false)));
  COVEN_ASSIGN_OR_RETURN(TableStatements * stmts, Statements(table));
  const std::string floor_text = floor.ToText();
  std::unique_ptr<sqlite3_value, decltype(&sqlite3_value_free)> last(
      nullptr, sqlite3_value_free);
  std::vector<std::pair<std::string, std::string>> restamps;  // id, stamp
  out->Table(table);
  while (true) {
    db::Stmt& page = last ? next : first;
    if (last) page.BindValue(1, last.get());
    if (!filter.empty()) page.Bind(2, floor_text);
    int rows = 0;
    while (true) {
      COVEN_ASSIGN_OR_RETURN(bool row, page.Step());
      if (!row) break;
      ++rows;
      last.reset(sqlite3_value_dup(page.ColumnValue(0)));
      if (!last) return ResourceExhaustedError("out of memory in a flush");
      sqlite3_value* id = page.ColumnValue(1);
      if (sqlite3_value_type(id) != SQLITE_TEXT) {
        out->warnings().push_back(NotTextWarning(table, id));
        continue;
      }
      const std::string stamp_text =
          ValueText(page.ColumnValue(1 + table.updated_at));
      std::optional<Hlc> stamp = OwnStamp(stamp_text);
      if (!include_foreign && (!stamp || stamp_text <= floor_text)) continue;
      if (!stamp) {
        stamp = hlc_->Now();
        restamps.emplace_back(ValueText(id), stamp->ToText());
      }
      WriteRow(out->BeginInsert(), table, stamp->ToText(),
               [&](int c) { return page.ColumnValue(1 + c); });
      COVEN_RETURN_IF_ERROR(out->End(*stamp));
    }
    page.Reset();
    for (const auto& [id, stamp] : restamps) {
      stmts->restamp.Bind(1, stamp).Bind(2, id);
      COVEN_RETURN_IF_ERROR(stmts->restamp.Run());
    }
    restamps.clear();
    if (rows < kScanPage) return Status::Ok();
  }
}

// Ships this device's tombstones newer than `floor`: a DELETE record when
// the row is gone, the live row when it came back (unless a scan shipped it
// already). Returns how many live rows it shipped.
Result<std::size_t> Capture::ShipTombstones(
    const Hlc& floor, const std::function<bool(const std::string&)>& covered,
    PartWriter* out) {
  COVEN_ASSIGN_OR_RETURN(
      db::Stmt tombs,
      db::Stmt::Prepare(db_,
                        "SELECT tbl, pk, hlc FROM _coven_tombstones "
                        "WHERE hlc > ?"));
  tombs.Bind(1, floor.ToText());
  std::size_t live = 0;
  while (true) {
    COVEN_ASSIGN_OR_RETURN(bool row, tombs.Step());
    if (!row) break;
    std::optional<Hlc> stamp = OwnStamp(tombs.ColumnText(2));
    if (!stamp) continue;
    const TableSchema* table = Find(tombs.ColumnText(0));
    if (table == nullptr) continue;
    const std::string id = tombs.ColumnText(1);
    COVEN_ASSIGN_OR_RETURN(TableStatements * stmts, Statements(*table));
    stmts->read.Bind(1, id);
    COVEN_ASSIGN_OR_RETURN(bool exists, stmts->read.Step());
    out->Table(*table);
    if (!exists) {
      stmts->read.Reset();
      changeset::ChangesetWriter& w = out->BeginDelete();
      for (int c = 0; c < static_cast<int>(table->columns.size()); ++c) {
        if (c == 0) {
          w.AddText(id);
        } else if (c == table->updated_at) {
          w.AddText(stamp->ToText());
        } else {
          w.AddNull();
        }
      }
      COVEN_RETURN_IF_ERROR(out->End(*stamp));
      continue;
    }
    // Deleted, then written again: the live row decides.
    const std::string current =
        ValueText(stmts->read.ColumnValue(table->updated_at));
    if (covered(current)) {
      stmts->read.Reset();
      continue;
    }
    std::optional<Hlc> own = OwnStamp(current);
    const Hlc ship = own ? *own : hlc_->Now();
    WriteRow(out->BeginInsert(), *table, ship.ToText(),
             [&](int c) { return stmts->read.ColumnValue(c); });
    stmts->read.Reset();
    COVEN_RETURN_IF_ERROR(out->End(ship));
    if (!own) {
      stmts->restamp.Bind(1, ship.ToText()).Bind(2, id);
      COVEN_RETURN_IF_ERROR(stmts->restamp.Run());
    }
    ++live;
  }
  return live;
}

}  // namespace coven::engine
