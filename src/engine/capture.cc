#include "engine/capture.h"

#include <algorithm>

#include "changeset/changeset_iter.h"
#include "changeset/spill_buffer.h"
#include "db/sql.h"

namespace coven::engine {

namespace {

// The session's changeset stays in memory up to this size, then spills to a
// temporary file.
constexpr std::size_t kSpillMemory = std::size_t{1} << 20;
// Rows per page of a stamp scan; restamps run between pages.
constexpr int kScanPage = 512;
// How often (in rows written) the session's size is checked.
constexpr std::uint64_t kLimitCheckEvery = 64;

// Page cache while the session's changeset is generated, for large sessions.
constexpr std::int64_t kGenerateCache = std::int64_t{8} << 20;

// Raises the connection's page cache to `bytes` if it is smaller; returns
// the setting to restore (nullopt: left alone).
Result<std::optional<std::string>> RaiseCacheTo(sqlite3* db,
                                                std::int64_t bytes) {
  COVEN_ASSIGN_OR_RETURN(db::Stmt cache,
                         db::Stmt::Prepare(db, "PRAGMA cache_size"));
  COVEN_ASSIGN_OR_RETURN(bool row, cache.Step());
  if (!row) return std::optional<std::string>();
  const std::int64_t current = cache.ColumnInt(0);
  cache.Reset();
  std::int64_t current_bytes = -current * 1024;
  if (current > 0) {
    COVEN_ASSIGN_OR_RETURN(db::Stmt page,
                           db::Stmt::Prepare(db, "PRAGMA page_size"));
    COVEN_ASSIGN_OR_RETURN(bool has, page.Step());
    current_bytes = current * (has ? page.ColumnInt(0) : 4096);
  }
  if (current_bytes >= bytes) return std::optional<std::string>();
  COVEN_RETURN_IF_ERROR(
      db::Exec(db, "PRAGMA cache_size = " + std::to_string(-(bytes / 1024))));
  return std::optional<std::string>(std::to_string(current));
}

struct FunctionContext {
  HlcClock* hlc;
  StampContext* stamps;
};

void ResultStamp(sqlite3_context* ctx, const Hlc& stamp) {
  std::string text = stamp.ToText();
  sqlite3_result_text(ctx, text.data(), static_cast<int>(text.size()),
                      SQLITE_TRANSIENT);
}

void CovenHlcFunction(sqlite3_context* ctx, int, sqlite3_value**) {
  auto* fc = static_cast<FunctionContext*>(sqlite3_user_data(ctx));
  ResultStamp(ctx, fc->hlc->Now());
}

void CovenDeleteStampFunction(sqlite3_context* ctx, int, sqlite3_value**) {
  auto* fc = static_cast<FunctionContext*>(sqlite3_user_data(ctx));
  switch (fc->stamps->mode) {
    case StampContext::Mode::kLocal:
      ResultStamp(ctx, fc->hlc->Now());
      return;
    case StampContext::Mode::kApplying:
      if (!fc->stamps->delete_stamp.empty()) {
        const std::string& s = fc->stamps->delete_stamp;
        sqlite3_result_text(ctx, s.data(), static_cast<int>(s.size()),
                            SQLITE_TRANSIENT);
        return;
      }
      break;
    case StampContext::Mode::kSilent:
      break;
  }
  sqlite3_result_null(ctx);
}

std::string ValueText(sqlite3_value* value) {
  return changeset::ValueToText(value);
}

// Writes one whole row: `values(c)` for every column, `stamp` in the
// `_updated_at` column.
template <typename Values>
void WriteRow(changeset::ChangesetWriter& writer, const TableSchema& table,
              const std::string& stamp, Values values) {
  const int ncol = static_cast<int>(table.columns.size());
  for (int c = 0; c < ncol; ++c) {
    if (c == table.updated_at) {
      writer.AddText(stamp);
    } else {
      writer.AddValue(values(c));
    }
  }
}

std::string NotTextWarning(const TableSchema& table, sqlite3_value* id) {
  return "table " + table.name + ": row id " + ValueText(id) +
         " is not TEXT; it does not sync";
}

}  // namespace

// Statements of one table, prepared for the duration of one Collect.
struct Capture::TableStatements {
  db::Stmt read;     // SELECT * ... WHERE id = ?
  db::Stmt restamp;  // UPDATE ... SET _updated_at = ? WHERE id = ?
};

Capture::Capture(sqlite3* db, std::vector<TableSchema> tables, HlcClock* hlc,
                 StampContext* stamps)
    : db_(db), tables_(std::move(tables)), hlc_(hlc), stamps_(stamps) {}

Capture::~Capture() { Detach(); }

Status Capture::Install() {
  auto* fc = new FunctionContext{hlc_, stamps_};
  int rc = sqlite3_create_function_v2(
      db_, "coven_hlc", 0, SQLITE_UTF8, fc, CovenHlcFunction, nullptr, nullptr,
      [](void* p) { delete static_cast<FunctionContext*>(p); });
  if (rc != SQLITE_OK)
    return db::SqliteError(db_, rc, "registering coven_hlc()");
  auto* fc2 = new FunctionContext{hlc_, stamps_};
  rc = sqlite3_create_function_v2(
      db_, "coven_delete_stamp", 0, SQLITE_UTF8, fc2, CovenDeleteStampFunction,
      nullptr, nullptr,
      [](void* p) { delete static_cast<FunctionContext*>(p); });
  if (rc != SQLITE_OK) {
    return db::SqliteError(db_, rc, "registering coven_delete_stamp()");
  }
  for (const TableSchema& table : tables_) {
    std::string literal = table.name;
    for (std::size_t i = 0; i < literal.size(); ++i) {
      if (literal[i] == '\'') literal.insert(i++, 1, '\'');
    }
    std::string sql =
        "CREATE TEMP TRIGGER IF NOT EXISTS " +
        db::QuoteIdentifier("_coven_del_" + table.name) +
        " AFTER DELETE ON main." + db::QuoteIdentifier(table.name) +
        " BEGIN INSERT INTO _coven_tombstones(tbl, pk, hlc) SELECT '" +
        literal +
        "', OLD.id, s FROM (SELECT coven_delete_stamp() AS s) WHERE s IS NOT "
        "NULL AND OLD.id IS NOT NULL ON CONFLICT(tbl, pk) DO UPDATE SET hlc = "
        "max(hlc, excluded.hlc); END;";
    COVEN_RETURN_IF_ERROR(db::Exec(db_, sql));
  }
  return Status::Ok();
}

Status Capture::Attach() {
  if (session_ != nullptr) return Status::Ok();
  overflowed_ = false;
  local_writes_ = 0;
  int rc = sqlite3session_create(db_, "main", &session_);
  if (rc != SQLITE_OK)
    return db::SqliteError(db_, rc, "creating capture session");
  for (const TableSchema& table : tables_) {
    rc = sqlite3session_attach(session_, table.name.c_str());
    if (rc != SQLITE_OK) {
      Detach();
      return db::SqliteError(db_, rc, "attaching capture to " + table.name);
    }
  }
  return Status::Ok();
}

void Capture::Detach() {
  if (session_ != nullptr) {
    sqlite3session_delete(session_);
    session_ = nullptr;
  }
  overflowed_ = false;
}

Status Capture::Restart() {
  Detach();
  return Attach();
}

void Capture::Resume() {
  if (session_ != nullptr && resume_enabled_) {
    sqlite3session_enable(session_, 1);
  }
  resume_enabled_ = false;
}

bool Capture::SessionEmpty() const {
  if (overflowed_) return false;
  return session_ == nullptr || sqlite3session_isempty(session_);
}

void Capture::OnLocalWrite() {
  if (session_ == nullptr || overflowed_ || collecting_) return;
  if (++local_writes_ % kLimitCheckEvery != 0) return;
  if (static_cast<std::size_t>(sqlite3session_memory_used(session_)) <=
      session_limit_) {
    return;
  }
  // Rows written from now on are found by their stamps instead: a row
  // stamped with coven_hlc(), a delete by its tombstone.
  sqlite3session_enable(session_, 0);
  overflowed_ = true;
}

const TableSchema* Capture::Find(std::string_view name) const {
  for (const TableSchema& t : tables_) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

std::optional<Hlc> Capture::OwnStamp(std::string_view text) const {
  std::optional<Hlc> stamp = Hlc::FromText(text);
  if (!stamp || stamp->device != hlc_->device()) return std::nullopt;
  return stamp;
}

Result<Capture::TableStatements*> Capture::Statements(
    const TableSchema& table) {
  auto found = statements_.find(table.name);
  if (found != statements_.end()) return found->second.get();
  const std::string quoted = "main." + db::QuoteIdentifier(table.name);
  auto made = std::make_unique<TableStatements>();
  COVEN_ASSIGN_OR_RETURN(
      made->read,
      db::Stmt::Prepare(db_, "SELECT * FROM " + quoted + " WHERE id = ?"));
  COVEN_ASSIGN_OR_RETURN(
      made->restamp,
      db::Stmt::Prepare(
          db_, "UPDATE " + quoted + " SET _updated_at = ? WHERE id = ?"));
  return statements_.emplace(table.name, std::move(made)).first->second.get();
}

Result<std::optional<Hlc>> Capture::TombstoneOf(const TableSchema& table,
                                                const std::string& id) {
  if (!tombstone_lookup_) {
    COVEN_ASSIGN_OR_RETURN(
        tombstone_lookup_,
        db::Stmt::Prepare(
            db_, "SELECT hlc FROM _coven_tombstones WHERE tbl = ? AND pk = ?"));
  }
  db::Stmt& stmt = *tombstone_lookup_;
  stmt.Bind(1, table.name).Bind(2, id);
  COVEN_ASSIGN_OR_RETURN(bool found, stmt.Step());
  std::optional<Hlc> stamp;
  if (found) stamp = Hlc::FromText(stmt.ColumnText(0));
  stmt.Reset();
  return stamp;
}

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

Status Capture::Collect(const CollectOptions& options, PartWriter* out) {
  statements_.clear();
  tombstone_lookup_.reset();
  collecting_ = true;
  struct Done {
    Capture* self;
    ~Done() {
      self->collecting_ = false;
      self->statements_.clear();
      self->tombstone_lookup_.reset();
    }
  } done{this};
  // 1. Pause the session and stream its changeset out (to a temporary file
  //    when large). The flush's own restamps must not be recorded, and if
  //    the flush fails the session is resumed with everything it had.
  changeset::SpillBuffer spill(kSpillMemory);
  resume_enabled_ = false;
  if (session_ != nullptr) {
    resume_enabled_ = !overflowed_;
    sqlite3session_enable(session_, 0);
    if (!sqlite3session_isempty(session_)) {
      // Generating the changeset re-reads every recorded row by its key; a
      // somewhat larger page cache for the duration saves re-reading pages
      // (a bounded one: the session is bounded too).
      std::optional<std::string> saved_cache;
      if (sqlite3session_memory_used(session_) > (1 << 20)) {
        COVEN_ASSIGN_OR_RETURN(saved_cache, RaiseCacheTo(db_, kGenerateCache));
      }
      int rc = sqlite3session_changeset_strm(
          session_, changeset::SpillBuffer::Output, &spill);
      if (saved_cache) {
        db::Exec(db_, "PRAGMA cache_size = " + *saved_cache).IgnoreError();
      }
      if (rc != SQLITE_OK) {
        return db::SqliteError(db_, rc,
                               "reading captured changes (if the schema "
                               "changed, restart the sync manager)");
      }
    }
  }

  // 2. Rows the session cannot know: written before a crash, before the
  //    first start, or after the session overflowed. Found by their stamps.
  const bool scan = options.recover_after.has_value() || overflowed_;
  const Hlc floor = options.recover_after.value_or(options.tombstones_after);
  const std::string floor_text = floor.ToText();
  const bool all = scan && options.include_foreign;
  auto covered = [&](const std::string& stamp_text) {
    if (!scan) return false;
    if (all) return true;
    return stamp_text > floor_text && OwnStamp(stamp_text).has_value();
  };
  if (scan) {
    for (const TableSchema& table : tables_) {
      COVEN_RETURN_IF_ERROR(ScanTable(table, floor, all, out));
    }
  }

  // 3. This device's new tombstones (deletions, including rows inserted and
  //    deleted between two flushes).
  const Hlc tombstone_floor =
      options.recover_after
          ? std::min(*options.recover_after, options.tombstones_after)
          : options.tombstones_after;
  COVEN_ASSIGN_OR_RETURN(std::size_t live,
                         ShipTombstones(tombstone_floor, covered, out));

  // 4. The session: rows nothing above shipped.
  if (spill.size() > 0) {
    COVEN_RETURN_IF_ERROR(
        ShipSession(&spill, tombstone_floor, live > 0, covered, out));
  }
  return Status::Ok();
}

}  // namespace coven::engine
