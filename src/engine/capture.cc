#include "engine/capture.h"

#include <map>
#include <set>

#include "changeset/changeset_iter.h"
#include "changeset/changeset_writer.h"
#include "db/sql.h"

namespace coven::engine {

namespace {

struct FunctionContext {
  HlcClock* hlc;
  StampContext* stamps;
};

void CovenHlcFunction(sqlite3_context* ctx, int, sqlite3_value**) {
  auto* fc = static_cast<FunctionContext*>(sqlite3_user_data(ctx));
  std::string text = fc->hlc->Now().ToText();
  sqlite3_result_text(ctx, text.data(), static_cast<int>(text.size()),
                      SQLITE_TRANSIENT);
}

void CovenDeleteStampFunction(sqlite3_context* ctx, int, sqlite3_value**) {
  auto* fc = static_cast<FunctionContext*>(sqlite3_user_data(ctx));
  switch (fc->stamps->mode) {
    case StampContext::Mode::kLocal: {
      std::string text = fc->hlc->Now().ToText();
      sqlite3_result_text(ctx, text.data(), static_cast<int>(text.size()),
                          SQLITE_TRANSIENT);
      return;
    }
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

}  // namespace

// Which rows of one table a flush must ship, besides the session's inserts.
struct Capture::PendingTable {
  std::set<std::string> upserts;    // ids whose live row must be read
  std::set<std::string> deletes;    // ids deleted: ship their tombstone
  std::set<std::string> unstamped;  // updates that did not change the stamp
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
}

bool Capture::SessionEmpty() const {
  return session_ == nullptr || sqlite3session_isempty(session_);
}

Status Capture::CollectSession(std::map<std::string, PendingTable>* pending,
                               changeset::ChangesetWriter* writer,
                               CapturedChanges* out) {
  // Generating the changeset re-reads every touched row; a larger page cache
  // for the duration avoids re-reading pages from disk for big flushes.
  const bool big = sqlite3session_memory_used(session_) > (1 << 20);
  std::string saved_cache;
  if (big) {
    COVEN_ASSIGN_OR_RETURN(db::Stmt cache,
                           db::Stmt::Prepare(db_, "PRAGMA cache_size"));
    COVEN_ASSIGN_OR_RETURN(bool row, cache.Step());
    if (row) saved_cache = cache.ColumnText(0);
    COVEN_RETURN_IF_ERROR(db::Exec(db_, "PRAGMA cache_size = -65536"));
  }
  int size = 0;
  void* data = nullptr;
  int rc = sqlite3session_changeset(session_, &size, &data);
  Detach();
  if (big && !saved_cache.empty()) {
    db::Exec(db_, "PRAGMA cache_size = " + saved_cache).IgnoreError();
  }
  if (rc != SQLITE_OK) {
    sqlite3_free(data);
    return db::SqliteError(db_, rc,
                           "reading captured changes (if the schema "
                           "changed, restart the sync manager)");
  }
  std::unique_ptr<void, decltype(&sqlite3_free)> owned(data, sqlite3_free);
  if (size == 0) return Status::Ok();
  const std::uint64_t self = hlc_->device();
  changeset::ChangesetIter it(ByteView(static_cast<std::uint8_t*>(data), size));
  const TableSchema* table = nullptr;
  std::string last_name;
  bool first = true;
  std::optional<db::Stmt> restamp;
  PendingTable* p = nullptr;
  while (true) {
    COVEN_ASSIGN_OR_RETURN(bool row, it.Next());
    if (!row) break;
    // Compare names, not pointers: the iterator may reuse its name buffer.
    if (first || last_name != it.table()) {
      first = false;
      last_name = it.table();
      table = nullptr;
      for (const TableSchema& t : tables_) {
        if (t.name == last_name) table = &t;
      }
      if (table == nullptr) continue;
      writer->BeginTable(table->name, static_cast<int>(table->columns.size()));
      restamp.reset();
      p = nullptr;
    }
    if (table == nullptr) continue;
    const bool insert = it.op() == SQLITE_INSERT;
    sqlite3_value* pk = insert ? it.New(0) : it.Old(0);
    if (pk == nullptr) continue;
    std::string id = changeset::ValueToText(pk);
    if (p == nullptr) p = &(*pending)[table->name];
    if (!insert) {
      // Updates carry only the changed columns: read the whole row later.
      // Deletes need their tombstone stamp.
      if (it.op() == SQLITE_DELETE) {
        p->deletes.insert(id);
      } else {
        p->upserts.insert(id);
        if (it.New(table->updated_at) == nullptr) p->unstamped.insert(id);
      }
      continue;
    }
    // Fast path: an INSERT record already holds the whole live row.
    if (!p->upserts.empty()) p->upserts.erase(id);
    if (!p->deletes.empty()) p->deletes.erase(id);
    if (sqlite3_value_type(pk) != SQLITE_TEXT) {
      out->warnings.push_back("table " + table->name + ": row id " + id +
                              " is not TEXT; it does not sync");
      continue;
    }
    sqlite3_value* stamp_value = it.New(table->updated_at);
    std::optional<Hlc> stamp;
    if (stamp_value && sqlite3_value_type(stamp_value) == SQLITE_TEXT) {
      stamp = Hlc::FromText(std::string_view(
          reinterpret_cast<const char*>(sqlite3_value_text(stamp_value)),
          sqlite3_value_bytes(stamp_value)));
    }
    const bool restamped = !stamp || stamp->device != self;
    if (restamped) {
      stamp = hlc_->Now();
      if (!restamp) {
        COVEN_ASSIGN_OR_RETURN(
            restamp,
            db::Stmt::Prepare(db_, "UPDATE main." +
                                       db::QuoteIdentifier(table->name) +
                                       " SET _updated_at = ? WHERE id = ?"));
      }
      restamp->Bind(1, stamp->ToText()).Bind(2, id);
      COVEN_RETURN_IF_ERROR(restamp->Run());
    }
    writer->BeginInsert();
    for (int c = 0; c < static_cast<int>(table->columns.size()); ++c) {
      if (c == table->updated_at && restamped) {
        writer->AddText(stamp->ToText());
      } else {
        writer->AddValue(it.New(c));
      }
    }
    NoteStamp(*stamp, out);
  }
  return Status::Ok();
}

void Capture::NoteStamp(const Hlc& stamp, CapturedChanges* out) {
  if (out->rows == 0 || stamp < out->hlc_min) out->hlc_min = stamp;
  if (out->rows == 0 || stamp > out->hlc_max) out->hlc_max = stamp;
  ++out->rows;
}

Result<CapturedChanges> Capture::Collect(std::optional<Hlc> recover_after,
                                         const Hlc& tombstones_after,
                                         bool include_foreign) {
  std::map<std::string, PendingTable> pending;
  const std::uint64_t self = hlc_->device();
  // 1. Keys the session cannot know: rows written before a crash, and rows
  //    inserted and deleted between two flushes (tombstones).
  if (recover_after.has_value()) {
    const std::string floor = recover_after->ToText();
    for (const TableSchema& table : tables_) {
      COVEN_ASSIGN_OR_RETURN(
          db::Stmt scan,
          db::Stmt::Prepare(db_, "SELECT id, _updated_at FROM main." +
                                     db::QuoteIdentifier(table.name) +
                                     " WHERE _updated_at > ?"));
      scan.Bind(1, floor);
      while (true) {
        COVEN_ASSIGN_OR_RETURN(bool row, scan.Step());
        if (!row) break;
        auto stamp = Hlc::FromText(scan.ColumnText(1));
        if (include_foreign || (stamp && stamp->device == self)) {
          pending[table.name].upserts.insert(scan.ColumnText(0));
        }
      }
    }
  }
  {
    COVEN_ASSIGN_OR_RETURN(
        db::Stmt tombs,
        db::Stmt::Prepare(db_,
                          "SELECT tbl, pk, hlc FROM _coven_tombstones "
                          "WHERE hlc > ?"));
    tombs.Bind(1, recover_after
                      ? std::min(*recover_after, tombstones_after).ToText()
                      : tombstones_after.ToText());
    while (true) {
      COVEN_ASSIGN_OR_RETURN(bool row, tombs.Step());
      if (!row) break;
      auto stamp = Hlc::FromText(tombs.ColumnText(2));
      if (stamp && stamp->device == self) {
        pending[tombs.ColumnText(0)].deletes.insert(tombs.ColumnText(1));
      }
    }
  }

  // 2. The session: inserts are written straight from it.
  CapturedChanges out;
  changeset::ChangesetWriter writer;
  if (session_ != nullptr) {
    COVEN_RETURN_IF_ERROR(CollectSession(&pending, &writer, &out));
  }

  // 3. Everything else, from the live tables and the tombstones.
  for (const TableSchema& table : tables_) {
    auto found = pending.find(table.name);
    if (found == pending.end()) continue;
    PendingTable& p = found->second;
    if (p.upserts.empty() && p.deletes.empty()) continue;
    const int ncol = static_cast<int>(table.columns.size());
    const std::string quoted = "main." + db::QuoteIdentifier(table.name);
    COVEN_ASSIGN_OR_RETURN(
        db::Stmt read,
        db::Stmt::Prepare(db_, "SELECT * FROM " + quoted + " WHERE id = ?"));
    COVEN_ASSIGN_OR_RETURN(
        db::Stmt restamp,
        db::Stmt::Prepare(
            db_, "UPDATE " + quoted + " SET _updated_at = ? WHERE id = ?"));
    COVEN_ASSIGN_OR_RETURN(
        db::Stmt tomb,
        db::Stmt::Prepare(db_,
                          "SELECT hlc FROM _coven_tombstones WHERE tbl = "
                          "? AND pk = ?"));
    COVEN_ASSIGN_OR_RETURN(db::Stmt put_tomb, db::PrepareTombstoneUpsert(db_));
    writer.BeginTable(table.name, ncol);
    // A pk may appear in both sets (deleted, then re-inserted): the live
    // table decides.
    std::set<std::string> all = p.upserts;
    all.insert(p.deletes.begin(), p.deletes.end());
    for (const std::string& id : all) {
      read.Bind(1, id);
      COVEN_ASSIGN_OR_RETURN(bool exists, read.Step());
      if (exists) {
        if (sqlite3_column_type(read.get(), 0) != SQLITE_TEXT) {
          out.warnings.push_back("table " + table.name + ": row id " + id +
                                 " is not TEXT; it does not sync");
          read.Reset();
          continue;
        }
        auto stamp = Hlc::FromText(read.ColumnText(table.updated_at));
        bool restamp_needed =
            !stamp || stamp->device != self || p.unstamped.count(id) > 0;
        std::string stamp_text;
        if (restamp_needed) {
          Hlc fresh = hlc_->Now();
          stamp_text = fresh.ToText();
          stamp = fresh;
        }
        writer.BeginInsert();
        for (int c = 0; c < ncol; ++c) {
          if (c == table.updated_at) {
            writer.AddText(stamp->ToText());
          } else {
            writer.AddValue(read.ColumnValue(c));
          }
        }
        read.Reset();
        if (restamp_needed) {
          restamp.Bind(1, stamp_text).Bind(2, id);
          COVEN_RETURN_IF_ERROR(restamp.Run());
        }
        NoteStamp(*stamp, &out);
      } else {
        read.Reset();
        tomb.Bind(1, table.name).Bind(2, id);
        COVEN_ASSIGN_OR_RETURN(bool has_tomb, tomb.Step());
        std::optional<Hlc> stamp;
        if (has_tomb) stamp = Hlc::FromText(tomb.ColumnText(0));
        tomb.Reset();
        if (!stamp || stamp->device != self) {
          // Deleted without our trigger (or by a remote stamp that a later
          // local delete must supersede): stamp it now.
          stamp = hlc_->Now();
          put_tomb.Bind(1, table.name).Bind(2, id).Bind(3, stamp->ToText());
          COVEN_RETURN_IF_ERROR(put_tomb.Run());
        }
        writer.BeginDelete();
        for (int c = 0; c < ncol; ++c) {
          if (c == 0) {
            writer.AddText(id);
          } else if (c == table.updated_at) {
            writer.AddText(stamp->ToText());
          } else {
            writer.AddNull();
          }
        }
        NoteStamp(*stamp, &out);
      }
    }
  }
  out.changeset = out.rows > 0 ? writer.Finish() : Bytes();
  return out;
}

}  // namespace coven::engine
