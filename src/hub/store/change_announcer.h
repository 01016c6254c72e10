// ChangeAnnouncer: sends a store's change hints (Store::Announce) from a
// thread of its own, merged. The changes announced while one batch is on
// its way are merged (one per space and author, at the highest log seq;
// one per space for member-log changes) and go out together as the next
// batch: a push never waits for a notification round trip, and a burst of
// pushes costs one round trip, not one each.
//
// Hints only (the heads are the truth): beyond `max_pending` distinct log
// changes waiting, more are dropped and counted, and the readers' slow
// poll covers them. A member-log change is never dropped (one per space at
// most: it closes a removed device's streams on every process), and a
// batch that failed to go out is merged back and sent again after a pause.
//
// Thread safety: Add may be called from any thread.
#ifndef COVEN_HUB_STORE_CHANGE_ANNOUNCER_H_
#define COVEN_HUB_STORE_CHANGE_ANNOUNCER_H_

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "hub/store/store.h"

namespace coven::hub::store {

class ChangeAnnouncer {
 public:
  /// Sends one batch (called on the announcer's thread, one batch at a
  /// time); false when it did not go out.
  using Send = std::function<bool(const std::vector<Change>& batch)>;

  explicit ChangeAnnouncer(Send send, std::size_t max_pending = 4096);
  /// Sends what is pending (one attempt), then stops the thread.
  ~ChangeAnnouncer();
  ChangeAnnouncer(const ChangeAnnouncer&) = delete;
  ChangeAnnouncer& operator=(const ChangeAnnouncer&) = delete;

  /// Queues `change`, merged with any pending one of the same space and
  /// author. Never blocks on the send.
  void Add(const Change& change);

  /// Changes dropped because too many were pending.
  std::uint64_t dropped() const;

  /// Returns once every change added before the call has gone out (or
  /// failed to and waits for its retry). Tests; orderly stops.
  void Flush();

 private:
  // (space, author, members): one pending change each.
  using Key = std::tuple<std::string, std::uint64_t, bool>;

  void Run();
  // Merges `change` into pending_ (mutex_ held); false when dropped.
  bool MergeLocked(const Change& change);

  static constexpr std::int64_t kRetryPauseMs = 200;

  const Send send_;
  const std::size_t max_pending_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable idle_;  // pending_ empty and no batch going out.
  std::map<Key, std::uint64_t> pending_;  // -> log seq; guarded by mutex_.
  std::uint64_t dropped_ = 0;             // Guarded by mutex_.
  bool stopping_ = false;                 // Guarded by mutex_.
  bool sending_ = false;                  // Guarded by mutex_.
  std::thread thread_;
};

}  // namespace coven::hub::store

#endif  // COVEN_HUB_STORE_CHANGE_ANNOUNCER_H_
