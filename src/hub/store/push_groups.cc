#include "hub/store/push_groups.h"

#include <utility>

namespace coven::hub::store {

std::uint64_t PushBytes(const LogPush& push) {
  std::uint64_t bytes = push.head ? push.head->size() : 0;
  for (const LogObject& object : push.objects) bytes += object.data.size();
  return bytes;
}

PushGroups::PushGroups(PushGroupLimits limits, Commit commit)
    : limits_(limits), commit_(std::move(commit)) {}

std::size_t PushGroups::waiting() const {
  std::lock_guard lock(mutex_);
  return line_.size();
}

std::vector<PushGroups::Waiter*> PushGroups::TakeGroup() {
  std::vector<Waiter*> group;
  std::uint64_t bytes = 0;
  while (!line_.empty() && group.size() < limits_.max_pushes) {
    const std::uint64_t next = PushBytes(*line_.front()->push);
    if (!group.empty() && bytes + next > limits_.max_bytes) break;
    bytes += next;
    group.push_back(line_.front());
    line_.pop_front();
  }
  return group;
}

Result<LogPushResult> PushGroups::Push(const LogPush& push) {
  Waiter mine{&push, std::nullopt};
  std::unique_lock lock(mutex_);
  line_.push_back(&mine);
  // Wait until a leader answered this push, or until this caller may lead
  // (a leader's place is free and this push is at the front of the line:
  // the line is served in order).
  // (A push taken into another leader's group has left the line: the line
  // may then be empty, and its front must not be read.)
  done_.wait(lock, [&] {
    return mine.result.has_value() ||
           (leading_ < limits_.leaders && !line_.empty() &&
            line_.front() == &mine);
  });
  if (mine.result) return std::move(*mine.result);

  ++leading_;
  std::vector<Waiter*> group = TakeGroup();
  lock.unlock();
  // The next in line may lead a group of its own meanwhile (leaders > 1).
  done_.notify_all();

  std::vector<const LogPush*> pushes;
  pushes.reserve(group.size());
  for (const Waiter* waiter : group) pushes.push_back(waiter->push);
  std::vector<Result<LogPushResult>> results = commit_(pushes);

  lock.lock();
  for (std::size_t i = 0; i < group.size(); ++i) {
    group[i]->result = i < results.size()
                           ? std::move(results[i])
                           : Result<LogPushResult>(InternalError(
                                 "the group commit returned too few results"));
  }
  --leading_;
  lock.unlock();
  done_.notify_all();
  return std::move(*mine.result);
}

}  // namespace coven::hub::store
