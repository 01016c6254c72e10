#include "hub/store/change_announcer.h"

#include <algorithm>
#include <chrono>
#include <utility>

namespace coven::hub::store {

ChangeAnnouncer::ChangeAnnouncer(Send send, std::size_t max_pending)
    : send_(std::move(send)), max_pending_(max_pending) {
  thread_ = std::thread([this] { Run(); });
}

ChangeAnnouncer::~ChangeAnnouncer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
  idle_.notify_all();
}

bool ChangeAnnouncer::MergeLocked(const Change& change) {
  Key key{change.space, change.members ? 0 : change.author, change.members};
  auto found = pending_.find(key);
  if (found != pending_.end()) {
    found->second = std::max(found->second, change.log_seq);
    return true;
  }
  if (pending_.size() >= max_pending_ && !change.members) {
    ++dropped_;
    return false;
  }
  pending_.emplace(std::move(key), change.log_seq);
  return true;
}

void ChangeAnnouncer::Add(const Change& change) {
  {
    std::lock_guard lock(mutex_);
    if (!MergeLocked(change)) return;
  }
  wake_.notify_one();
}

std::uint64_t ChangeAnnouncer::dropped() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

void ChangeAnnouncer::Flush() {
  std::unique_lock lock(mutex_);
  idle_.wait(lock,
             [this] { return stopping_ || (pending_.empty() && !sending_); });
}

void ChangeAnnouncer::Run() {
  std::unique_lock lock(mutex_);
  while (true) {
    idle_.notify_all();
    wake_.wait(lock, [this] { return stopping_ || !pending_.empty(); });
    if (pending_.empty()) return;  // Stopping, and nothing left to send.
    std::map<Key, std::uint64_t> taken;
    taken.swap(pending_);
    sending_ = true;
    lock.unlock();
    std::vector<Change> batch;
    batch.reserve(taken.size());
    for (auto& [key, log_seq] : taken) {
      Change change;
      change.space = std::get<0>(key);
      change.author = std::get<1>(key);
      change.members = std::get<2>(key);
      change.log_seq = log_seq;
      batch.push_back(std::move(change));
    }
    const bool sent = send_(batch);
    lock.lock();
    sending_ = false;
    if (sent || stopping_) continue;
    // Not sent (the database unreachable): merged back, and tried again
    // after a pause rather than in a busy loop.
    for (const Change& change : batch) MergeLocked(change);
    wake_.wait_for(lock, std::chrono::milliseconds(kRetryPauseMs),
                   [this] { return stopping_; });
  }
}

}  // namespace coven::hub::store
