// The one watcher a store calls (Store::Watch): replaced or cleared at any
// time; once Set returns, the old watcher is not running and will not be
// called again (unless Set is called from inside the watcher itself).
#ifndef COVEN_HUB_STORE_WATCHER_SLOT_H_
#define COVEN_HUB_STORE_WATCHER_SLOT_H_

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "hub/store/store.h"

namespace coven::hub::store {

class WatcherSlot {
 public:
  using Watcher = std::function<void(const Change&)>;

  /// Replaces the watcher (null: none); waits for calls of the old one on
  /// other threads to return.
  void Set(Watcher watcher);
  /// Calls the watcher, if any, on this thread.
  void Call(const Change& change);

 private:
  std::mutex mutex_;
  std::condition_variable idle_;
  std::shared_ptr<const Watcher> watcher_;  // Guarded by mutex_.
  int calls_ = 0;                           // Guarded by mutex_.
  std::thread::id calling_;                 // Set while calls_ == 1.
};

}  // namespace coven::hub::store

#endif  // COVEN_HUB_STORE_WATCHER_SLOT_H_
