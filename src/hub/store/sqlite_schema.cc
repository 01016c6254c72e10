#include "hub/store/sqlite_schema.h"

#include <string>

#include "db/sql.h"

namespace coven::hub::store {
namespace {

// Migration i (1-based) brings the schema from version i - 1 to i. Never
// edit one that has shipped: append a new one.
constexpr const char* kMigrations[] = {
    // 1: the first schema.
    "CREATE TABLE spaces(name TEXT PRIMARY KEY, founder BLOB NOT NULL, "
    "  marker BLOB, created_ms INTEGER NOT NULL);"
    "CREATE TABLE log_objects(space TEXT NOT NULL, author INTEGER NOT NULL, "
    "  seq INTEGER NOT NULL, hash BLOB NOT NULL, size INTEGER NOT NULL, "
    "  data BLOB NOT NULL, PRIMARY KEY(space, author, seq));"
    "CREATE TABLE heads(space TEXT NOT NULL, author INTEGER NOT NULL, "
    "  log_seq INTEGER NOT NULL, head BLOB NOT NULL, "
    "  PRIMARY KEY(space, author)) WITHOUT ROWID;"
    "CREATE TABLE members(space TEXT NOT NULL, slot INTEGER NOT NULL, "
    "  data BLOB NOT NULL, PRIMARY KEY(space, slot));"
    "CREATE TABLE objects(space TEXT NOT NULL, path TEXT NOT NULL, "
    "  data BLOB NOT NULL, PRIMARY KEY(space, path));"
    "CREATE TABLE challenges(challenge BLOB PRIMARY KEY, space TEXT NOT NULL, "
    "  device BLOB NOT NULL, expires_ms INTEGER NOT NULL);"
    "CREATE INDEX challenges_by_expiry ON challenges(expires_ms);"
    "CREATE TABLE hub_keys(id TEXT PRIMARY KEY, key BLOB NOT NULL);",
};
constexpr int kVersion = sizeof(kMigrations) / sizeof(kMigrations[0]);

}  // namespace

Status MigrateSqlite(sqlite3* db) {
  COVEN_ASSIGN_OR_RETURN(db::Transaction tx, db::Transaction::Begin(db));
  COVEN_RETURN_IF_ERROR(db::Exec(
      db,
      "CREATE TABLE IF NOT EXISTS schema_version(version INTEGER NOT NULL)"));
  COVEN_ASSIGN_OR_RETURN(
      db::Stmt get, db::Stmt::Prepare(db,
                                      "SELECT COALESCE(MAX(version), 0) FROM "
                                      "schema_version"));
  COVEN_ASSIGN_OR_RETURN(bool row, get.Step());
  const std::int64_t version = row ? get.ColumnInt(0) : 0;
  get.Reset();
  if (version > kVersion) {
    return FailedPreconditionError(
        "the hub store has schema version " + std::to_string(version) +
        " but this coven-hub knows only up to " + std::to_string(kVersion) +
        "; run a newer coven-hub");
  }
  for (int v = static_cast<int>(version) + 1; v <= kVersion; ++v) {
    COVEN_RETURN_IF_ERROR(db::Exec(db, kMigrations[v - 1]));
    COVEN_RETURN_IF_ERROR(
        db::Exec(db, "INSERT INTO schema_version(version) VALUES(" +
                         std::to_string(v) + ")"));
  }
  return tx.Commit();
}

}  // namespace coven::hub::store
