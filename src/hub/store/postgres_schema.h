// The PostgreSQL store's schema: versioned migrations applied at start under
// pg_advisory_lock, so hub processes starting together apply each once
// (docs/format/hub-store.md).
#ifndef COVEN_HUB_STORE_POSTGRES_SCHEMA_H_
#define COVEN_HUB_STORE_POSTGRES_SCHEMA_H_

#include "coven/status.h"
#include "hub/store/pg_conn.h"

namespace coven::hub::store {

/// Brings the database to the newest schema version. kFailedPrecondition
/// when a newer coven-hub wrote it.
Status MigratePostgres(PgConnection& conn);

}  // namespace coven::hub::store

#endif  // COVEN_HUB_STORE_POSTGRES_SCHEMA_H_
