// The host database as coven sees it.
//
// The application owns its SQLite schema and connection. It applies
// coven::db::MIGRATION_SQL beside its own schema, then hands coven a SyncDb:
// the write connection plus the mutex that serializes its use. SqliteSyncDb is
// a ready SyncDb over a plain `sqlite3*`, so a C++ host writes no adapter.
//
// Concurrency contract: coven touches the write connection only while holding
// write_mutex(), and only outside a host transaction (it checks
// sqlite3_get_autocommit). A host that writes from several threads must hold
// the same mutex around each of its write transactions (SqliteSyncDb::Write
// does this for you).
#ifndef COVEN_DB_H_
#define COVEN_DB_H_

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "coven/status.h"

struct sqlite3;

namespace coven::db {

/// Creates coven's bookkeeping tables (sync_state, sync_cursors, cloud_outbox
/// and the internal _coven_* tables). Idempotent: safe to run at every start.
extern const char* const MIGRATION_SQL;

/// Access to the host's SQLite write connection.
class RawDbHandle {
 public:
  virtual ~RawDbHandle() = default;
  /// The write connection. Owned by the host; valid for the SyncDb lifetime.
  virtual sqlite3* raw_write_handle() = 0;
  /// The mutex serializing use of raw_write_handle() (see file comment).
  virtual std::recursive_mutex& write_mutex() = 0;
};

/// What coven needs of the host database: the write connection and its
/// mutex. coven keeps its own state (cursors, outbox, sync_state) in its
/// tables on that connection, in the same transactions as the rows they
/// describe; there is no separate bookkeeping interface (the reference's
/// SyncBookkeeping), see docs/decisions.md.
class SyncDb : public RawDbHandle {};

/// A ready SyncDb over a plain connection.
class SqliteSyncDb final : public SyncDb {
 public:
  /// Opens (creating if needed) the database file at `path` in WAL mode with
  /// synchronous=FULL and foreign_keys=ON, and applies MIGRATION_SQL.
  /// The connection is owned and closed by the returned object.
  static Result<std::shared_ptr<SqliteSyncDb>> Open(const std::string& path);

  /// Wraps a connection the host already opened (not owned: the host must
  /// keep it open longer than this object and every SyncManager using it).
  /// Applies MIGRATION_SQL.
  static Result<std::shared_ptr<SqliteSyncDb>> Wrap(sqlite3* db);

  ~SqliteSyncDb() override;

  sqlite3* raw_write_handle() override { return db_; }
  std::recursive_mutex& write_mutex() override { return mutex_; }

  /// Runs `body` with the write mutex held. Use it for host writes.
  template <typename F>
  auto Write(F&& body) {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    return body(db_);
  }

 private:
  SqliteSyncDb(sqlite3* db, bool owned) : db_(db), owned_(owned) {}
  sqlite3* db_;
  bool owned_;
  std::recursive_mutex mutex_;
};

}  // namespace coven::db

#endif  // COVEN_DB_H_
