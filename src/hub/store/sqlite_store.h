// The SQLite store (OpenSqliteStore): data_dir/hub.db in WAL mode with
// synchronous=FULL. One write connection behind a mutex (every write is a
// BEGIN IMMEDIATE transaction on it; pushes that wait for it commit
// together, PushGroups) and a few read connections, each
// keeping its prepared statements; Watch and Announce stay inside this
// store object.
#ifndef COVEN_HUB_STORE_SQLITE_STORE_H_
#define COVEN_HUB_STORE_SQLITE_STORE_H_

#include <sqlite3.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "db/stmt_cache.h"
#include "hub/store/change_announcer.h"
#include "hub/store/push_groups.h"
#include "hub/store/store.h"
#include "hub/store/watcher_slot.h"

namespace coven::hub::store {

class SqliteStore final : public Store {
 public:
  static Result<StoreRef> Open(const std::string& data_dir);
  ~SqliteStore() override;

  Result<Space> GetSpace(std::string_view name) override;
  Status CreateSpace(std::string_view name,
                     const std::array<std::uint8_t, 32>& founder) override;
  Result<bool> SpaceIsEmpty(std::string_view name) override;
  Status ReclaimSpace(std::string_view name,
                      const std::array<std::uint8_t, 32>& previous,
                      const std::array<std::uint8_t, 32>& founder) override;
  Status PutMarker(std::string_view space, ByteView marker,
                   const std::array<std::uint8_t, 32>& writer) override;
  Result<LogPushResult> PushLog(const LogPush& push) override;
  void SubmitPushLog(const LogPush& push,
                     std::function<void(Result<LogPushResult>)> done) override;
  std::vector<Result<LogPushResult>> PushLogs(
      std::span<const LogPush* const> pushes) override;
  Result<std::uint32_t> RepairLogObjects(const LogPush& push,
                                         std::uint32_t held) override;
  Result<LogPage> ReadLogPage(const LogRange& range) override;
  Result<LogPiece> GetLogPiece(std::string_view space, std::uint64_t author,
                               std::uint64_t seq, std::uint64_t offset,
                               std::uint64_t length) override;
  Result<std::vector<HeadRow>> ListHeads(std::string_view space) override;
  Result<std::vector<Bytes>> MemberLogAfter(std::string_view space,
                                            std::uint64_t after_slot) override;
  Status AppendMember(std::string_view space, std::uint64_t slot,
                      ByteView entry,
                      const std::array<std::uint8_t, 32>& writer) override;
  Status PutObject(std::string_view space, std::string_view path, ByteView data,
                   const std::array<std::uint8_t, 32>& writer) override;
  Result<Bytes> GetObject(std::string_view space, std::string_view path,
                          std::uint64_t max_bytes) override;
  Result<std::vector<PathInfo>> ListPaths(std::string_view space,
                                          std::string_view prefix,
                                          std::string_view start_after,
                                          std::uint32_t limit) override;
  Status PutChallenge(const Challenge& challenge,
                      const ChallengeBounds& bounds) override;
  Result<Challenge> TakeChallenge(const std::array<std::uint8_t, 32>& bytes,
                                  std::int64_t now_ms) override;
  Result<std::array<std::uint8_t, 32>> TokenKey(
      const std::function<std::array<std::uint8_t, 32>()>& make_key) override;
  void Announce(const Change& change) override;
  void Watch(std::function<void(const Change&)> on_change) override;
  void FlushAnnounced() override;
  std::string Describe() const override;

 private:
  /// A connection and its prepared statements.
  struct Connection {
    explicit Connection(sqlite3* db) : handle{db}, stmts(db) {}
    sqlite3* db() const { return handle.db; }

    // Closes the connection once `stmts`, declared after it and so
    // destroyed before it, finalized its statements: sqlite3_close refuses
    // to close a connection with statements left.
    struct Handle {
      sqlite3* db;
      ~Handle() { sqlite3_close(db); }
    } handle;
    db::StmtCache stmts;
  };

  /// A read connection, returned to the pool on destruction.
  class Reader {
   public:
    Reader(SqliteStore* store, Connection* conn) : store_(store), conn_(conn) {}
    Reader(const Reader&) = delete;
    Reader& operator=(const Reader&) = delete;
    ~Reader();
    Connection& conn() const { return *conn_; }

   private:
    SqliteStore* store_;
    Connection* conn_;
  };

  explicit SqliteStore(std::string path) : path_(std::move(path)) {}
  Reader Read();
  // kNotFound unless the space exists (on `db`).
  Status CheckSpace(Connection& conn, std::string_view space);
  // kPermissionDenied unless `writer` may write into the space (its
  // founder, while it has no member log; anyone afterwards), on `conn`.
  static Status CheckFounderWrite(Connection& conn, std::string_view space,
                                  const std::array<std::uint8_t, 32>& writer);
  // Whether the space holds anything (SpaceIsEmpty's inverse) on `conn`.
  static Result<bool> HoldsAnything(Connection& conn, std::string_view space);
  // One push inside PushLogs' write transaction, under its savepoint.
  Result<LogPushResult> PushLocked(const LogPush& push);

  const std::string path_;
  std::mutex write_mutex_;
  std::unique_ptr<Connection> writer_;  // Guarded by write_mutex_.
  std::mutex read_mutex_;
  std::condition_variable read_free_;
  std::vector<Connection*> readers_;  // Free read connections.
  std::vector<std::unique_ptr<Connection>> all_readers_;
  WatcherSlot watcher_;
  // Delivers Announce's changes to the watcher from a thread of its own,
  // merged, so the thread that led a group commit answers its pushes
  // without first writing every subscriber's hint. Stopped after the group
  // commit (whose last pushes announce) and before the watcher.
  ChangeAnnouncer announcer_{[this](const std::vector<Change>& batch) {
    for (const Change& change : batch) watcher_.Call(change);
    return true;
  }};
  // PushLog's group commit: one writer, so one group at a time.
  PushGroups groups_{PushGroupLimits{},
                     [this](std::span<const LogPush* const> pushes) {
                       return PushLogs(pushes);
                     }};
};

/// Binds `bytes` as a blob (an empty blob, never NULL).
void BindBytes(sqlite3_stmt* stmt, int index, ByteView bytes);

}  // namespace coven::hub::store

#endif  // COVEN_HUB_STORE_SQLITE_STORE_H_
