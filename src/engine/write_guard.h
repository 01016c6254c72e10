// The write guard: refuses host writes to synced tables while this device
// may not publish them (its member is a Reader or was removed, or the device
// was removed), so the refusal happens at the write, with a clear SQLite
// error, instead of changes piling up that can never sync.
//
// It costs a device that may write nothing per row: the refusing TEMP
// triggers exist only while the device may not write. Creating or dropping
// them changes the connection's TEMP schema, which expires every statement
// prepared on the connection, so a statement the host prepared before a role
// change is recompiled, with or without the triggers, at its next step.
//
// The guard fails closed. The triggers are created outside any transaction
// (DDL inside the host's transaction would vanish with its rollback), so
// while the host holds a transaction open, and if creating them fails, an
// authorizer (sqlite3_set_authorizer) refuses instead: statements that write
// a synced table fail to prepare with SQLite's "not authorized", and
// setting it expires the statements prepared before. The next Set() outside
// a transaction replaces it by the triggers. The authorizer is the
// connection's only one: while it is set it replaces one the host set, and
// removing it leaves none.
//
// Remote changes still apply, and coven's own flush still restamps: the
// engine sets `applying` around that work, and both the triggers and the
// authorizer let writes through while it is set.
//
// Thread safety: Set() runs under the SyncDb write mutex; coven_may_write()
// and the authorizer read atomics on whatever thread writes.
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
  ~WriteGuard();
  WriteGuard(const WriteGuard&) = delete;
  WriteGuard& operator=(const WriteGuard&) = delete;

  /// Opens (`may_write`) or closes the synced tables to host writes. The
  /// caller holds the write mutex. Closing creates a BEFORE
  /// INSERT/UPDATE/DELETE TEMP trigger per table raising
  /// kWriteRefusedMessage; while the host holds a transaction open, or if
  /// creating them fails (the error is returned), the authorizer refuses
  /// instead until a later call creates them. Opening removes the
  /// authorizer and drops the triggers (left in place, letting writes
  /// through, while the host holds a transaction open).
  Status Set(bool may_write);

  /// The state last asked for.
  bool may_write() const { return may_write_->load(); }
  /// True while the refusing triggers exist.
  bool triggers() const { return triggers_; }
  /// True while the authorizer refuses in their place.
  bool authorizer() const { return authorizer_; }

 private:
  WriteGuard(sqlite3* conn, std::vector<std::string> tables,
             std::shared_ptr<std::atomic<bool>> applying)
      : conn_(conn),
        tables_(std::move(tables)),
        applying_(std::move(applying)) {}
  static int Authorize(void* self, int action, const char* table,
                       const char* column, const char* database,
                       const char* trigger);
  Status CreateTriggers();
  Status DropTriggers();
  void SetAuthorizer(bool on);

  sqlite3* conn_;
  std::vector<std::string> tables_;
  std::shared_ptr<std::atomic<bool>> applying_;
  std::shared_ptr<std::atomic<bool>> may_write_ =
      std::make_shared<std::atomic<bool>>(true);
  bool triggers_ = false;
  bool authorizer_ = false;
};

}  // namespace coven::engine

#endif  // COVEN_ENGINE_WRITE_GUARD_H_
