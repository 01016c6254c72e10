#include "hub/store/push_groups.h"

#include <algorithm>
#include <condition_variable>
#include <optional>
#include <utility>

namespace coven::hub::store {

std::uint64_t PushBytes(const LogPush& push) {
  std::uint64_t bytes = push.head ? push.head->size() : 0;
  for (const LogObject& object : push.objects) bytes += object.data.size();
  return bytes;
}

namespace {

PushGroupLimits AtLeastOne(PushGroupLimits limits) {
  limits.leaders = std::max<std::size_t>(limits.leaders, 1);
  limits.max_pushes = std::max<std::size_t>(limits.max_pushes, 1);
  limits.max_bytes = std::max<std::uint64_t>(limits.max_bytes, 1);
  return limits;
}

}  // namespace

PushGroups::PushGroups(PushGroupLimits limits, Commit commit)
    : limits_(AtLeastOne(limits)), commit_(std::move(commit)) {}

std::size_t PushGroups::waiting() const {
  std::lock_guard lock(mutex_);
  return line_.size();
}

std::vector<PushGroups::Waiter> PushGroups::TakeGroup() {
  std::vector<Waiter> group;
  std::uint64_t bytes = 0;
  while (!line_.empty() && group.size() < limits_.max_pushes) {
    const std::uint64_t next = line_.front().bytes;
    if (!group.empty() && bytes + next > limits_.max_bytes) break;
    bytes += next;
    line_bytes_ -= next;
    group.push_back(std::move(line_.front()));
    line_.pop_front();
  }
  return group;
}

bool PushGroups::MayLeadLocked() const {
  if (line_.empty() || leading_ >= limits_.leaders) return false;
  return leading_ == 0 || line_.size() >= limits_.max_pushes ||
         line_bytes_ >= limits_.max_bytes;
}

void PushGroups::Submit(const LogPush& push, Done done) {
  std::unique_lock lock(mutex_);
  const std::uint64_t bytes = PushBytes(push);
  line_bytes_ += bytes;
  line_.push_back(Waiter{&push, std::move(done), bytes});
  // While a leader is committing, it (or another) answers this push: every
  // leader looks at the line again when it has answered its group.
  while (MayLeadLocked()) {
    ++leading_;
    std::vector<Waiter> group = TakeGroup();
    lock.unlock();
    std::vector<const LogPush*> pushes;
    pushes.reserve(group.size());
    for (const Waiter& waiter : group) pushes.push_back(waiter.push);
    std::vector<Result<LogPushResult>> results = commit_(pushes);
    // Step down before answering, so a push that arrives now leads the next
    // group at once.
    lock.lock();
    --leading_;
    lock.unlock();
    for (std::size_t i = 0; i < group.size(); ++i) {
      group[i].done(i < results.size()
                        ? std::move(results[i])
                        : Result<LogPushResult>(InternalError(
                              "the group commit returned too few results")));
    }
    lock.lock();
  }
}

Result<LogPushResult> PushGroups::Push(const LogPush& push) {
  std::mutex mutex;
  std::condition_variable answered;
  std::optional<Result<LogPushResult>> result;
  Submit(push, [&](Result<LogPushResult> r) {
    std::lock_guard lock(mutex);
    result = std::move(r);
    answered.notify_one();
  });
  std::unique_lock lock(mutex);
  answered.wait(lock, [&] { return result.has_value(); });
  return std::move(*result);
}

}  // namespace coven::hub::store
