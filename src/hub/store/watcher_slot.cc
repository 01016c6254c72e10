#include "hub/store/watcher_slot.h"

#include <utility>

namespace coven::hub::store {

void WatcherSlot::Set(Watcher watcher) {
  std::shared_ptr<const Watcher> next;
  if (watcher) next = std::make_shared<const Watcher>(std::move(watcher));
  std::unique_lock lock(mutex_);
  watcher_ = std::move(next);
  // A watcher that replaces itself cannot wait for its own call.
  const bool self = calls_ > 0 && calling_ == std::this_thread::get_id();
  idle_.wait(lock, [&] { return calls_ == (self ? 1 : 0); });
}

void WatcherSlot::Call(const Change& change) {
  std::shared_ptr<const Watcher> watcher;
  {
    std::unique_lock lock(mutex_);
    if (calls_ > 0 && calling_ == std::this_thread::get_id()) {
      // Called from inside the watcher: no waiting.
      watcher = watcher_;
      lock.unlock();
      if (watcher) (*watcher)(change);
      return;
    }
    // One call at a time: the stores call from one thread each anyway, and
    // this keeps the "set from inside the watcher" case exact.
    idle_.wait(lock, [&] { return calls_ == 0; });
    if (!watcher_) return;
    watcher = watcher_;
    ++calls_;
    calling_ = std::this_thread::get_id();
  }
  (*watcher)(change);
  {
    std::lock_guard lock(mutex_);
    --calls_;
    calling_ = {};
  }
  idle_.notify_all();
}

}  // namespace coven::hub::store
