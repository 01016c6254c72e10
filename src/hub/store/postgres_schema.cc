#include "hub/store/postgres_schema.h"

#include <string>

namespace coven::hub::store {
namespace {

// "covenhub" in ASCII: the advisory lock every hub process migrates under.
constexpr const char* kLock = "SELECT pg_advisory_lock(7165075710185862498)";
constexpr const char* kUnlock =
    "SELECT pg_advisory_unlock(7165075710185862498)";

// Migration i (1-based) brings the schema from version i - 1 to i. Never
// edit one that has shipped: append a new one. Names and paths compare in
// byte order (COLLATE "C"), as a home lists them; authors are stored as
// AuthorColumn (hub/store/paths.h), seqs and slots as they are (< 2^63).
constexpr const char* kMigrations[] = {
    // 1: the first schema.
    "CREATE TABLE spaces(name text COLLATE \"C\" PRIMARY KEY, "
    "  founder bytea NOT NULL, marker bytea, created_ms bigint NOT NULL);"
    "CREATE TABLE log_objects(space text COLLATE \"C\" NOT NULL, "
    "  author bigint NOT NULL, seq bigint NOT NULL, hash bytea NOT NULL, "
    "  size bigint NOT NULL, data bytea NOT NULL, "
    "  PRIMARY KEY(space, author, seq));"
    // Sealed objects do not compress: do not try.
    "ALTER TABLE log_objects ALTER COLUMN data SET STORAGE EXTERNAL;"
    "CREATE TABLE heads(space text COLLATE \"C\" NOT NULL, "
    "  author bigint NOT NULL, log_seq bigint NOT NULL, head bytea NOT NULL, "
    "  PRIMARY KEY(space, author));"
    "CREATE TABLE members(space text COLLATE \"C\" NOT NULL, "
    "  slot bigint NOT NULL, data bytea NOT NULL, PRIMARY KEY(space, slot));"
    "CREATE TABLE objects(space text COLLATE \"C\" NOT NULL, "
    "  path text COLLATE \"C\" NOT NULL, data bytea NOT NULL, "
    "  PRIMARY KEY(space, path));"
    "CREATE TABLE challenges(challenge bytea PRIMARY KEY, "
    "  space text NOT NULL, device bytea NOT NULL, expires_ms bigint NOT NULL);"
    "CREATE INDEX challenges_by_expiry ON challenges(expires_ms);"
    "CREATE TABLE hub_keys(id text PRIMARY KEY, key bytea NOT NULL);",
};
constexpr int kVersion = sizeof(kMigrations) / sizeof(kMigrations[0]);

Status MigrateLocked(PgConnection& conn) {
  COVEN_RETURN_IF_ERROR(conn.ExecScript(
      "CREATE TABLE IF NOT EXISTS schema_version(version integer NOT NULL)"));
  COVEN_ASSIGN_OR_RETURN(
      PgResult current,
      conn.Exec("SELECT COALESCE(MAX(version), 0)::int8 FROM schema_version"));
  const std::int64_t version = current.Int(0, 0);
  if (version > kVersion) {
    return FailedPreconditionError(
        "the hub's PostgreSQL database has schema version " +
        std::to_string(version) + " but this coven-hub knows only up to " +
        std::to_string(kVersion) + "; run a newer coven-hub");
  }
  for (int v = static_cast<int>(version) + 1; v <= kVersion; ++v) {
    const std::string script = std::string("BEGIN;") + kMigrations[v - 1] +
                               "INSERT INTO schema_version(version) VALUES(" +
                               std::to_string(v) + ");";
    Status applied = conn.ExecScript(script);
    if (!applied.ok()) {
      conn.Rollback();
      return applied.Annotate("schema migration " + std::to_string(v));
    }
    COVEN_RETURN_IF_ERROR(conn.Commit());
  }
  return Status::Ok();
}

}  // namespace

Status MigratePostgres(PgConnection& conn) {
  COVEN_RETURN_IF_ERROR(conn.ExecScript(kLock));
  Status status = MigrateLocked(conn);
  // A broken connection released its session lock with it.
  if (!conn.Broken()) PQclear(PQexec(conn.get(), kUnlock));
  return status;
}

}  // namespace coven::hub::store
