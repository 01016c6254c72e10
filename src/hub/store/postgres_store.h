// The PostgreSQL store (OpenPostgresStore): a fixed pool of libpq
// connections with prepared statements, versioned migrations under an
// advisory lock, and a listener connection for Watch (NOTIFY coven_hub).
// Several hub processes may share one database.
#ifndef COVEN_HUB_STORE_POSTGRES_STORE_H_
#define COVEN_HUB_STORE_POSTGRES_STORE_H_

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "hub/store/change_announcer.h"
#include "hub/store/pg_pool.h"
#include "hub/store/postgres_listener.h"
#include "hub/store/push_groups.h"
#include "hub/store/store.h"
#include "hub/store/watcher_slot.h"

namespace coven::hub::store {

class PostgresStore final : public Store {
 public:
  static Result<StoreRef> Open(const std::string& url, std::size_t connections,
                               const PostgresTimeouts& timeouts);
  ~PostgresStore() override;

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
  PostgresStore(const std::string& url, std::size_t connections,
                const PostgresTimeouts& timeouts);
  // Sends a batch of merged changes as NOTIFYs (ChangeAnnouncer's thread);
  // false when it did not go out.
  bool Notify(const std::vector<Change>& batch);
  // kNotFound unless the space exists.
  static Status CheckSpace(PgConnection& conn, std::string_view space);
  // kPermissionDenied unless `writer` may write into the space (its
  // founder, while it has no member log; anyone afterwards), on `conn`,
  // inside a transaction: it holds the space row (FOR SHARE) against a
  // concurrent reclaim until the transaction ends.
  static Status CheckFounderWrite(PgConnection& conn, std::string_view space,
                                  const std::array<std::uint8_t, 32>& writer);
  // Whether the space holds anything (SpaceIsEmpty's inverse) on `conn`.
  static Result<bool> HoldsAnything(PgConnection& conn, std::string_view space);
  // PushLog's transaction on `conn`.
  static Result<LogPushResult> PushOn(PgConnection& conn, const LogPush& push);
  // PushLogs's way for a group of different authors, `pushes` taken in
  // `order`: one transaction in two flights (postgres_store_group.cc).
  // Fills `results` and returns true once the group is over (committed, or
  // nothing to store); false when a statement failed and nothing was
  // stored, so the caller pushes them one by one. Errors concern the whole
  // group (a broken connection).
  static Result<bool> PushGroupInTwoFlights(
      PgConnection& conn, std::span<const LogPush* const> pushes,
      std::span<const std::size_t> order,
      std::vector<Result<LogPushResult>>& results);

  PgPool pool_;
  WatcherSlot watcher_;
  std::unique_ptr<PostgresListener> listener_;
  std::string description_;
  // PushLog's group commit: at most two groups at once.
  PushGroups groups_;
  // Announce's NOTIFYs, merged and sent off the pushes' threads. Declared
  // last: it stops (sending what is pending) before the pool goes.
  std::unique_ptr<ChangeAnnouncer> announcer_;
};

/// Runs `fn` between BEGIN and COMMIT on `conn`: rolled back when fn fails;
/// OK only when COMMIT answered COMMIT.
template <typename T, typename Fn>
Result<T> InTransaction(PgConnection& conn, Fn fn) {
  COVEN_RETURN_IF_ERROR(conn.Exec("BEGIN").status());
  Result<T> result = fn();
  if (!result.ok()) {
    conn.Rollback();
    return result;
  }
  COVEN_RETURN_IF_ERROR(conn.Commit());
  return result;
}

/// InTransaction on a connection of `pool` (PgPool::With): `fn(conn)`
/// returns Result<bool>; only its status is kept.
template <typename Fn>
Status InPooledTransaction(PgPool& pool, bool retry_safe, Fn fn) {
  return pool
      .With<bool>(retry_safe,
                  [&](PgConnection& conn) {
                    return InTransaction<bool>(conn, [&] { return fn(conn); });
                  })
      .status();
}

}  // namespace coven::hub::store

#endif  // COVEN_HUB_STORE_POSTGRES_STORE_H_
