#include <sqlite3.h>

#include "coven/db.h"
#include "db/sql.h"

namespace coven::db {

namespace {
Status Prepare(sqlite3* db) {
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, 5000);
  return Exec(db, MIGRATION_SQL);
}
}  // namespace

Result<std::shared_ptr<SqliteSyncDb>> SqliteSyncDb::Open(
    const std::string& path) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(
      path.c_str(), &db,
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
      nullptr);
  if (rc != SQLITE_OK) {
    Status status = SqliteError(db, rc, "opening database " + path);
    sqlite3_close(db);
    return status;
  }
  std::shared_ptr<SqliteSyncDb> out(new SqliteSyncDb(db, true));
  COVEN_RETURN_IF_ERROR(Exec(db,
                             "PRAGMA journal_mode=WAL;"
                             "PRAGMA synchronous=FULL;"
                             "PRAGMA foreign_keys=ON;"));
  COVEN_RETURN_IF_ERROR(Prepare(db).Annotate("migrating " + path));
  return out;
}

Result<std::shared_ptr<SqliteSyncDb>> SqliteSyncDb::Wrap(sqlite3* db) {
  if (db == nullptr) return InvalidArgumentError("SqliteSyncDb::Wrap: null db");
  std::shared_ptr<SqliteSyncDb> out(new SqliteSyncDb(db, false));
  COVEN_RETURN_IF_ERROR(Prepare(db));
  return out;
}

SqliteSyncDb::~SqliteSyncDb() {
  if (owned_) sqlite3_close_v2(db_);
}

}  // namespace coven::db
