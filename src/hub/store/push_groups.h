// Group commit for PushLog: the pushes that arrive while a commit is under
// way wait, and the next commit stores them together, in one transaction
// with one fsync, each push still all or nothing on its own (a savepoint
// each; Store::PushLogs). Every push is answered only after the commit
// that holds it, so nothing is acknowledged before it is durable.
//
// No thread of its own: the first waiting caller leads the next group (the
// leader/follower pattern), so an idle store costs nothing and a lone push
// commits at once, with no added delay.
//
// Thread safety: Push may be called from any thread, concurrently.
#ifndef COVEN_HUB_STORE_PUSH_GROUPS_H_
#define COVEN_HUB_STORE_PUSH_GROUPS_H_

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <vector>

#include "coven/status.h"
#include "hub/store/store.h"

namespace coven::hub::store {

/// How large one group may grow.
struct PushGroupLimits {
  /// Groups committing at the same time (1: one writer, as SQLite has).
  std::size_t leaders = 1;
  /// Pushes in one group.
  std::size_t max_pushes = 64;
  /// Bytes of objects and heads in one group (a larger push still makes a
  /// group of its own).
  std::uint64_t max_bytes = 16ull << 20;
};

class PushGroups {
 public:
  /// Stores `pushes` in one transaction and returns one result per push, in
  /// order (Store::PushLogs).
  using Commit = std::function<std::vector<Result<LogPushResult>>(
      std::span<const LogPush* const> pushes)>;

  PushGroups(PushGroupLimits limits, Commit commit);
  PushGroups(const PushGroups&) = delete;
  PushGroups& operator=(const PushGroups&) = delete;

  /// Stores `push` with whatever else is waiting; returns its own result
  /// once the commit that held it is over. `push` must stay valid until
  /// then (it does: the caller waits).
  Result<LogPushResult> Push(const LogPush& push);

  /// Pushes waiting for a group (tests).
  std::size_t waiting() const;

 private:
  struct Waiter {
    const LogPush* push;
    std::optional<Result<LogPushResult>> result;
  };

  // Takes the next group off the front of the line (at least one push).
  std::vector<Waiter*> TakeGroup();

  const PushGroupLimits limits_;
  const Commit commit_;
  mutable std::mutex mutex_;
  std::condition_variable done_;
  std::deque<Waiter*> line_;  // Guarded by mutex_.
  std::size_t leading_ = 0;   // Groups being committed; guarded by mutex_.
};

/// The bytes a push carries (objects and head).
std::uint64_t PushBytes(const LogPush& push);

}  // namespace coven::hub::store

#endif  // COVEN_HUB_STORE_PUSH_GROUPS_H_
