// The SQLite store's spaces: claims, reclaims and the home marker.
#include <algorithm>

#include "db/sql.h"
#include "hub/store/space_errors.h"
#include "hub/store/sqlite_store.h"

namespace coven::hub::store {
namespace {

bool SameKey(const Bytes& stored, const std::array<std::uint8_t, 32>& key) {
  return stored.size() == key.size() &&
         std::equal(stored.begin(), stored.end(), key.begin());
}

}  // namespace

Result<Space> SqliteStore::GetSpace(std::string_view name) {
  Reader reader = Read();
  COVEN_ASSIGN_OR_RETURN(
      db::CachedStmt stmt,
      reader.conn().stmts.Get(
          "SELECT founder, marker FROM spaces WHERE name=?"));
  stmt->Bind(1, name);
  COVEN_ASSIGN_OR_RETURN(bool row, stmt->Step());
  if (!row) return NoSpace(name);
  Space space;
  space.name = std::string(name);
  const Bytes founder = stmt->ColumnBlob(0);
  if (founder.size() != space.founder.size()) {
    return DataLossError("space \"" + space.name + "\" has a bad founder key");
  }
  std::copy(founder.begin(), founder.end(), space.founder.begin());
  if (!stmt->ColumnIsNull(1)) space.marker = stmt->ColumnBlob(1);
  return space;
}

Status SqliteStore::CreateSpace(std::string_view name,
                                const std::array<std::uint8_t, 32>& founder) {
  if (name.empty()) return InvalidArgumentError("space name is empty");
  std::lock_guard lock(write_mutex_);
  COVEN_ASSIGN_OR_RETURN(
      db::CachedStmt stmt,
      writer_->stmts.Get("INSERT INTO spaces(name, founder, created_ms) "
                         "VALUES(?, ?, ?) ON CONFLICT DO NOTHING"));
  stmt->Bind(1, name);
  BindBytes(stmt->get(), 2, founder);
  stmt->Bind(3, NowMs());
  COVEN_RETURN_IF_ERROR(stmt->Run());
  if (sqlite3_changes(writer_->db()) == 0) {
    return AlreadyExistsError("space \"" + std::string(name) +
                              "\" already exists");
  }
  return Status::Ok();
}

Result<bool> SqliteStore::HoldsAnything(Connection& conn,
                                        std::string_view space) {
  COVEN_ASSIGN_OR_RETURN(
      db::CachedStmt stmt,
      conn.stmts.Get(
          "SELECT (SELECT marker IS NOT NULL FROM spaces WHERE name=?1) "
          "OR EXISTS(SELECT 1 FROM members WHERE space=?1) "
          "OR EXISTS(SELECT 1 FROM objects WHERE space=?1) "
          "OR EXISTS(SELECT 1 FROM log_objects WHERE space=?1) "
          "OR EXISTS(SELECT 1 FROM heads WHERE space=?1)"));
  stmt->Bind(1, space);
  COVEN_ASSIGN_OR_RETURN(bool row, stmt->Step());
  return row && stmt->ColumnInt(0) != 0;
}

Status SqliteStore::CheckFounderWrite(
    Connection& conn, std::string_view space,
    const std::array<std::uint8_t, 32>& writer) {
  COVEN_ASSIGN_OR_RETURN(
      db::CachedStmt stmt,
      conn.stmts.Get("SELECT founder, EXISTS(SELECT 1 FROM members WHERE "
                     "space=?1) FROM spaces WHERE name=?1"));
  stmt->Bind(1, space);
  COVEN_ASSIGN_OR_RETURN(bool row, stmt->Step());
  if (!row) return NoSpace(space);
  if (stmt->ColumnInt(1) == 0 && !SameKey(stmt->ColumnBlob(0), writer)) {
    return ClaimedByAnother(space);
  }
  return Status::Ok();
}

Result<bool> SqliteStore::SpaceIsEmpty(std::string_view name) {
  Reader reader = Read();
  COVEN_RETURN_IF_ERROR(CheckSpace(reader.conn(), name));
  COVEN_ASSIGN_OR_RETURN(bool holds, HoldsAnything(reader.conn(), name));
  return !holds;
}

Status SqliteStore::ReclaimSpace(std::string_view name,
                                 const std::array<std::uint8_t, 32>& previous,
                                 const std::array<std::uint8_t, 32>& founder) {
  std::lock_guard lock(write_mutex_);
  COVEN_ASSIGN_OR_RETURN(db::Transaction tx,
                         db::Transaction::Begin(writer_->db()));
  {
    COVEN_ASSIGN_OR_RETURN(
        db::CachedStmt stmt,
        writer_->stmts.Get("SELECT founder FROM spaces WHERE name=?"));
    stmt->Bind(1, name);
    COVEN_ASSIGN_OR_RETURN(bool row, stmt->Step());
    if (!row) return NoSpace(name);
    if (!SameKey(stmt->ColumnBlob(0), previous)) {
      return FailedPreconditionError("space \"" + std::string(name) +
                                     "\" was claimed again meanwhile");
    }
  }
  COVEN_ASSIGN_OR_RETURN(bool holds, HoldsAnything(*writer_, name));
  if (holds) {
    return FailedPreconditionError("space \"" + std::string(name) +
                                   "\" holds data");
  }
  COVEN_ASSIGN_OR_RETURN(
      db::CachedStmt update,
      writer_->stmts.Get(
          "UPDATE spaces SET founder=?, created_ms=? WHERE name=?"));
  BindBytes(update->get(), 1, founder);
  update->Bind(2, NowMs());
  update->Bind(3, name);
  COVEN_RETURN_IF_ERROR(update->Run());
  return tx.Commit();
}

Status SqliteStore::PutMarker(std::string_view space, ByteView marker,
                              const std::array<std::uint8_t, 32>& writer) {
  std::lock_guard lock(write_mutex_);
  COVEN_ASSIGN_OR_RETURN(db::Transaction tx,
                         db::Transaction::Begin(writer_->db()));
  COVEN_ASSIGN_OR_RETURN(
      db::CachedStmt stmt,
      writer_->stmts.Get("SELECT marker, founder, EXISTS(SELECT 1 FROM "
                         "members WHERE space=?1) FROM spaces WHERE name=?1"));
  stmt->Bind(1, space);
  COVEN_ASSIGN_OR_RETURN(bool row, stmt->Step());
  if (!row) return NoSpace(space);
  if (!stmt->ColumnIsNull(0)) {
    const Bytes stored = stmt->ColumnBlob(0);
    if (ByteView(stored).size() == marker.size() &&
        std::equal(stored.begin(), stored.end(), marker.begin())) {
      return Status::Ok();
    }
    // An init cut short after its marker: its founder, retrying, replaces
    // it while the space has no member log (nobody else can use it yet).
    if (stmt->ColumnInt(2) != 0 || !SameKey(stmt->ColumnBlob(1), writer)) {
      return AlreadyExistsError("space \"" + std::string(space) +
                                "\" already has another marker");
    }
  }
  stmt->Reset();
  COVEN_RETURN_IF_ERROR(CheckFounderWrite(*writer_, space, writer));
  COVEN_ASSIGN_OR_RETURN(
      db::CachedStmt update,
      writer_->stmts.Get("UPDATE spaces SET marker=? WHERE name=?"));
  BindBytes(update->get(), 1, marker);
  update->Bind(2, space);
  COVEN_RETURN_IF_ERROR(update->Run());
  return tx.Commit();
}

}  // namespace coven::hub::store
