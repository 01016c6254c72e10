// The log objects this hub process committed lately, kept in memory so the
// Pulls that follow a push (every subscriber asks for what it was hinted)
// are answered without reading the store: on PostgreSQL each of those reads
// was a round trip and a query per author and subscriber.
//
// What it holds is exact: per author one run of consecutive seqs, each
// object added only once its commit was acknowledged, bytes as stored (a
// retried object has the stored hash, so the stored bytes). A read is
// answered from memory only when the run covers every seq it asks for, up
// to its through_seq; anything else (an older cursor, a read to "the head",
// which only the store knows when several hub processes share it) goes to
// the store, so a reader never sees less than the store would give it.
//
// Bounded: objects above max_object_bytes are not kept, and the oldest
// objects go first once max_bytes is reached.
//
// Thread safety: every call may be made from any thread, concurrently.
#ifndef COVEN_HUB_SERVER_RECENT_LOGS_H_
#define COVEN_HUB_SERVER_RECENT_LOGS_H_

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <utility>

#include "coven/bytes.h"
#include "hub/store/store.h"

namespace coven::hub::server {

struct RecentLogsLimits {
  /// Memory for the objects kept, their bookkeeping included (0: keep
  /// nothing). 8 MiB holds about 1.5 s of 5,000 pushes/s of 1 KiB objects;
  /// subscribers ask within milliseconds.
  std::uint64_t max_bytes = 8ull << 20;
  /// Objects kept in all.
  std::size_t max_objects = 65'536;
  /// Larger objects are not kept (they are read in pieces anyway).
  std::uint64_t max_object_bytes = 64ull << 10;
};

class RecentLogs {
 public:
  explicit RecentLogs(RecentLogsLimits limits) : limits_(limits) {}
  RecentLogs(const RecentLogs&) = delete;
  RecentLogs& operator=(const RecentLogs&) = delete;

  /// Keeps `objects` (consecutive seqs of `author`, in order) once their
  /// commit was acknowledged. They extend the author's run when they
  /// follow it, replace it when they start after a gap (seqs another hub
  /// process stored), and are ignored when the run already holds them.
  void Add(std::string_view space, std::uint64_t author,
           std::span<const store::LogObject> objects);

  /// Answers `range` from memory, as Store::ReadLogPage would, when the
  /// run holds every seq from after_seq + 1 to through_seq (which must be
  /// set): true and `page` filled (head_seq is the run's last seq). False
  /// otherwise, `page` untouched.
  bool Read(const store::LogRange& range, store::LogPage* page) const;

  /// Memory held: the objects' bytes plus kObjectOverhead each (tests,
  /// metrics).
  std::uint64_t bytes() const;

  /// What one kept object costs besides its bytes (its buffer, shared
  /// pointer, queue entries), counted against max_bytes.
  static constexpr std::uint64_t kObjectOverhead = 160;

 private:
  using Key = std::pair<std::string, std::uint64_t>;  // (space, author)
  struct Run {
    std::uint64_t first_seq = 0;  // Seq of objects.front().
    std::deque<std::shared_ptr<const Bytes>> objects;
    std::uint64_t last_seq() const { return first_seq + objects.size() - 1; }
  };
  using Runs = std::map<Key, Run, std::less<>>;
  // Drops the oldest objects until the limits hold; runs left empty go.
  void EvictLocked();
  // Forgets `run` and its bytes.
  void DropRunLocked(Runs::iterator run);

  const RecentLogsLimits limits_;
  mutable std::mutex mutex_;
  Runs runs_;  // Guarded by mutex_.
  // Every object added, oldest first, as (run, seq); entries of objects
  // already dropped are skipped when reached. Guarded by mutex_.
  std::deque<std::pair<Key, std::uint64_t>> age_;
  std::uint64_t bytes_ = 0;  // Guarded by mutex_.
};

}  // namespace coven::hub::server

#endif  // COVEN_HUB_SERVER_RECENT_LOGS_H_
