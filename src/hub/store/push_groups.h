// Group commit for PushLog: the pushes that arrive while a commit is under
// way wait, and the next commit stores them together, in one transaction
// with one fsync, each push still all or nothing on its own (a savepoint
// each; Store::PushLogs). Every push is answered only after the commit
// that holds it, so nothing is acknowledged before it is durable.
//
// No thread of its own, and no thread held per waiting push: a push is
// queued with the call that takes its result (Submit), and a caller that
// finds no group being committed leads: it commits a group off the front
// of the line, steps down, answers that group's pushes, and then leads
// again if the line is not empty and nobody leads (or a full group waits).
// Stepping down before answering lets a push that arrives meanwhile lead
// the next group at once; pushes that queued during the commit wait for
// that arrival or for the answers to end. A second group (up to `leaders`)
// commits alongside only while a full group waits: one group at a time
// makes the fewest, largest groups (a transaction costs the same whatever
// its size), and a backlog is drained by several. An idle store costs
// nothing, a lone push commits at once, and under load the leaders are
// committers while the other threads keep reading requests.
//
// Thread safety: Submit and Push may be called from any thread,
// concurrently.
#ifndef COVEN_HUB_STORE_PUSH_GROUPS_H_
#define COVEN_HUB_STORE_PUSH_GROUPS_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <span>
#include <vector>

#include "coven/status.h"
#include "hub/store/store.h"

namespace coven::hub::store {

/// How large one group may grow.
struct PushGroupLimits {
  /// Groups committing at the same time at most (1: one writer, as SQLite
  /// has). Beyond the first, a group starts only while a full group
  /// (`max_pushes` pushes or `max_bytes`) waits.
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

  /// Takes one push's result.
  using Done = std::function<void(Result<LogPushResult>)>;

  /// A limit of 0 counts as 1.
  PushGroups(PushGroupLimits limits, Commit commit);
  PushGroups(const PushGroups&) = delete;
  PushGroups& operator=(const PushGroups&) = delete;

  /// Queues `push` to be stored with whatever else is waiting; `done` gets
  /// its result once, after the commit that held it, on the thread that
  /// led that commit: this one (before Submit returns) or another caller's.
  /// `push` and the bytes it views must stay valid until `done` runs.
  /// `done` must not wait for another push's answer (it may wait for the
  /// store, as a repair does).
  void Submit(const LogPush& push, Done done);
  /// Submit, then waits for the result.
  Result<LogPushResult> Push(const LogPush& push);

  /// Pushes waiting for a group (tests).
  std::size_t waiting() const;

 private:
  struct Waiter {
    const LogPush* push;
    Done done;
    std::uint64_t bytes;  // PushBytes(*push) when queued.
  };

  // Takes the next group off the front of the line (at least one push).
  std::vector<Waiter> TakeGroup();
  // Whether the caller may lead a group now. Holds mutex_.
  bool MayLeadLocked() const;

  const PushGroupLimits limits_;
  const Commit commit_;
  mutable std::mutex mutex_;
  std::deque<Waiter> line_;       // Guarded by mutex_.
  std::uint64_t line_bytes_ = 0;  // Waiter::bytes of line_; guarded by mutex_.
  std::size_t leading_ = 0;       // Groups being committed; guarded by mutex_.
};

/// The bytes a push carries (objects and head).
std::uint64_t PushBytes(const LogPush& push);

}  // namespace coven::hub::store

#endif  // COVEN_HUB_STORE_PUSH_GROUPS_H_
