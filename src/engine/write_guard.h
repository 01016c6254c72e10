// The write guard: TEMP triggers that refuse host writes to synced tables
// while this device may not publish them (its member is a Reader or was
// removed), so the refusal happens at the write, with a clear SQLite error,
// instead of changes piling up that can never sync.
//
// Remote changes still apply: the applier sets `applying` around its work.
#ifndef COVEN_ENGINE_WRITE_GUARD_H_
#define COVEN_ENGINE_WRITE_GUARD_H_

#include <sqlite3.h>

#include <atomic>
#include <memory>
#include <vector>

#include "coven/status.h"
#include "engine/table_schema.h"

namespace coven::engine {

/// The message of the SQLite error a refused write gets.
inline constexpr const char* kWriteRefusedMessage =
    "coven: this device may not change synced tables: its member is a Reader "
    "or was removed, or this device was removed from the library (see `coven "
    "status`)";

/// Registers coven_may_write() on `conn` and a BEFORE INSERT/UPDATE/DELETE
/// TEMP trigger per table that raises kWriteRefusedMessage unless
/// `*may_write || *applying`. The flags are shared with the caller.
Status InstallWriteGuard(sqlite3* conn, const std::vector<TableSchema>& tables,
                         std::shared_ptr<std::atomic<bool>> may_write,
                         std::shared_ptr<std::atomic<bool>> applying);

}  // namespace coven::engine

#endif  // COVEN_ENGINE_WRITE_GUARD_H_
