#include "engine/capture.h"

#include <algorithm>
#include <map>
#include <mutex>

#include "changeset/changeset_iter.h"
#include "changeset/spill_buffer.h"
#include "db/sql.h"
#include "engine/capture_internal.h"

namespace coven::engine {

using capture_internal::NotTextWarning;
using capture_internal::ValueText;
using capture_internal::WriteRow;

namespace {

// The session's changeset stays in memory up to this size, then spills to a
// temporary file.
constexpr std::size_t kSpillMemory = std::size_t{1} << 20;

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

int OnProgress(void* capture) {
  static_cast<Capture*>(capture)->CheckSessionLimit();
  return 0;  // never interrupts
}

// The Capture whose progress handler each connection runs: a connection has
// one handler, and a Capture destroyed after a newer one installed its own
// must not remove that one.
std::mutex progress_owners_mutex;
std::map<sqlite3*, Capture*>& ProgressOwners() {
  static auto* owners = new std::map<sqlite3*, Capture*>();
  return *owners;
}

}  // namespace

Capture::Capture(sqlite3* db, std::vector<TableSchema> tables, HlcClock* hlc,
                 StampContext* stamps)
    : db_(db), tables_(std::move(tables)), hlc_(hlc), stamps_(stamps) {}

Capture::~Capture() {
  {
    std::lock_guard<std::mutex> lock(progress_owners_mutex);
    auto owner = ProgressOwners().find(db_);
    if (owner != ProgressOwners().end() && owner->second == this) {
      sqlite3_progress_handler(db_, 0, nullptr, nullptr);
      ProgressOwners().erase(owner);
    }
  }
  Detach();
}

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
  std::lock_guard<std::mutex> lock(progress_owners_mutex);
  sqlite3_progress_handler(db_, kProgressOps, OnProgress, this);
  ProgressOwners()[db_] = this;
  return Status::Ok();
}

Status Capture::Attach() {
  if (session_ != nullptr) return Status::Ok();
  overflowed_ = false;
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

void Capture::CheckSessionLimit() {
  if (session_ == nullptr || overflowed_ || collecting_) return;
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
