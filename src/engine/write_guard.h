// The write guard: refuses host writes to synced tables while this device
// may not publish them (its member is a Reader or was removed, or the device
// was removed), so the refusal happens at the write, with a clear SQLite
// error, instead of changes piling up that can never sync.
//
// It costs a writable device nothing per row: the refusing TEMP triggers
// exist only while the device may not write. Creating or dropping them
// changes the connection's TEMP schema, which expires every statement
// prepared on the connection, so a statement the host prepared before a
// role change is recompiled, with or without the triggers, at its next
// step. (An authorizer, sqlite3_set_authorizer, would refuse at prepare
// time instead, but only with SQLite's fixed "not authorized", it would
// fail a Reader's statements that are prepared and never run, and it would
// replace an authorizer the host set itself.)
//
// Remote changes still apply: the applier sets `applying` around its work,
// and the triggers let writes through while it is set.
//
// Thread safety: Set() runs under the SyncDb write mutex; coven_may_write()
// reads atomics on whatever thread writes.
#ifndef COVEN_ENGINE_WRITE_GUARD_H_
#define COVEN_ENGINE_WRITE_GUARD_H_

#include <sqlite3.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "coven/status.h"
#include "engine/table_schema.h"

namespace coven::engine {

/// The message of the SQLite error a refused write gets.
inline constexpr const char* kWriteRefusedMessage =
    "coven: this device may not change synced tables: its member is a Reader "
    "or was removed, or this device was removed from the library (see `coven "
    "status`)";

class WriteGuard {
 public:
  /// Registers coven_may_write() on `conn` (true while `*applying` or while
  /// the device may write) and drops refusing triggers a previous guard on
  /// the same connection left. Starts open (writes allowed). `applying` is
  /// shared with the engine.
  static Result<std::unique_ptr<WriteGuard>> Install(
      sqlite3* conn, const std::vector<TableSchema>& tables,
      std::shared_ptr<std::atomic<bool>> applying);

  /// Opens (`may_write`) or closes the synced tables to host writes: closing
  /// creates a BEFORE INSERT/UPDATE/DELETE TEMP trigger per table that
  /// raises kWriteRefusedMessage, opening drops them. The caller holds the
  /// write mutex. While the host has a transaction open the triggers are
  /// left as they are (DDL there would be undone by the host's rollback);
  /// a later call outside a transaction catches up, and until then existing
  /// triggers follow the new state through coven_may_write().
  Status Set(bool may_write);

  /// The state last asked for.
  bool may_write() const { return may_write_->load(); }
  /// True while the refusing triggers exist.
  bool closed() const { return closed_; }

 private:
  WriteGuard(sqlite3* conn, std::vector<std::string> tables,
             std::shared_ptr<std::atomic<bool>> may_write)
      : conn_(conn),
        tables_(std::move(tables)),
        may_write_(std::move(may_write)) {}
  Status CreateTriggers();
  Status DropTriggers();

  sqlite3* conn_;
  std::vector<std::string> tables_;
  std::shared_ptr<std::atomic<bool>> may_write_;
  bool closed_ = false;
};

}  // namespace coven::engine

#endif  // COVEN_ENGINE_WRITE_GUARD_H_
