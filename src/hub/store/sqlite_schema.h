// The SQLite store's schema: versioned migrations, applied at open in one
// BEGIN IMMEDIATE transaction (docs/format/hub-store.md).
#ifndef COVEN_HUB_STORE_SQLITE_SCHEMA_H_
#define COVEN_HUB_STORE_SQLITE_SCHEMA_H_

#include <sqlite3.h>

#include "coven/status.h"

namespace coven::hub::store {

/// Brings `db` to the newest schema version. kFailedPrecondition when the
/// file was written by a newer hub (a version this build does not know).
Status MigrateSqlite(sqlite3* db);

}  // namespace coven::hub::store

#endif  // COVEN_HUB_STORE_SQLITE_SCHEMA_H_
