#include "coven/db.h"

namespace coven::db {

// Bookkeeping schema, version 1. Documented in docs/format/database.md.
const char* const MIGRATION_SQL = R"sql(
CREATE TABLE IF NOT EXISTS sync_state (
  key TEXT PRIMARY KEY NOT NULL,
  value TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sync_cursors (
  author TEXT PRIMARY KEY NOT NULL,
  seq INTEGER NOT NULL,
  hash BLOB NOT NULL,
  public_key BLOB NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS cloud_outbox (
  seq INTEGER PRIMARY KEY NOT NULL,
  path TEXT NOT NULL,
  object BLOB NOT NULL,
  rows INTEGER NOT NULL,
  created_ms INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT
);
CREATE TABLE IF NOT EXISTS _coven_sent (
  seq INTEGER PRIMARY KEY NOT NULL,
  path TEXT NOT NULL,
  object BLOB NOT NULL,
  sent_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS _coven_waiting (
  author TEXT PRIMARY KEY NOT NULL,
  seq INTEGER NOT NULL,
  reason TEXT NOT NULL,
  since_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS _coven_tombstones (
  tbl TEXT NOT NULL,
  pk TEXT NOT NULL,
  hlc TEXT NOT NULL,
  PRIMARY KEY (tbl, pk)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS _coven_tombstones_by_hlc ON _coven_tombstones(hlc);
CREATE TABLE IF NOT EXISTS _coven_parked (
  tbl TEXT NOT NULL,
  pk TEXT NOT NULL,
  hlc TEXT NOT NULL,
  change BLOB NOT NULL,
  PRIMARY KEY (tbl, pk)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS _coven_lost (
  tbl TEXT NOT NULL,
  pk TEXT NOT NULL,
  hlc TEXT NOT NULL,
  change BLOB NOT NULL,
  reason TEXT NOT NULL,
  PRIMARY KEY (tbl, pk)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS _coven_members (
  seq INTEGER PRIMARY KEY NOT NULL,
  bytes BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS _coven_quarantine (
  path TEXT PRIMARY KEY NOT NULL,
  author TEXT NOT NULL,
  seq INTEGER NOT NULL,
  reason TEXT NOT NULL,
  object BLOB,
  at_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS _coven_applied (
  author TEXT NOT NULL,
  seq INTEGER NOT NULL,
  member_seq INTEGER NOT NULL,
  hash BLOB NOT NULL,
  hlc_min TEXT NOT NULL,
  PRIMARY KEY (author, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS _coven_staged_parts (
  author TEXT NOT NULL,
  seq INTEGER NOT NULL,
  path TEXT NOT NULL,
  hlc_min TEXT NOT NULL,
  hlc_max TEXT NOT NULL,
  object_hash BLOB NOT NULL,
  public_key BLOB NOT NULL,
  payload BLOB NOT NULL,
  PRIMARY KEY (author, seq)
);
)sql";

}  // namespace coven::db
