// PushGroups (src/hub/store/push_groups.h) on its own, with commits that
// the tests control: the pushes that wait while a commit runs form the next
// group; limits, leaders, and every push answered with its own result.
#include "hub/store/push_groups.h"

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "hub/store_test_util.h"

namespace coven::hub::store::testing {
namespace {

// PushGroups itself, with a commit that blocks until released: the pushes
// that arrive during a commit wait, then commit as one group, in order.
class BlockingCommit {
 public:
  std::vector<Result<LogPushResult>> operator()(
      std::span<const LogPush* const> pushes) {
    std::unique_lock lock(mutex_);
    groups_.emplace_back();
    for (const LogPush* push : pushes) groups_.back().push_back(push->author);
    entered_.notify_all();
    released_.wait(lock, [&] { return released_count_ >= groups_.size(); });
    std::vector<Result<LogPushResult>> results;
    for (const LogPush* push : pushes) {
      LogPushResult result;
      result.log_seq = push->author;  // Echo, to check the routing.
      results.emplace_back(result);
    }
    return results;
  }
  void WaitForGroups(std::size_t n) {
    std::unique_lock lock(mutex_);
    entered_.wait(lock, [&] { return groups_.size() >= n; });
  }
  void Release() {
    std::lock_guard lock(mutex_);
    ++released_count_;
    released_.notify_all();
  }
  std::vector<std::vector<std::uint64_t>> groups() {
    std::lock_guard lock(mutex_);
    return groups_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable entered_;
  std::condition_variable released_;
  std::size_t released_count_ = 0;
  std::vector<std::vector<std::uint64_t>> groups_;
};

// Pushers of authors 10, 11, ..., each on a thread of its own (Push waits
// for the answer), and the log_seq each was answered with (0: an error).
class PushThreads {
 public:
  PushThreads(PushGroups* groups, std::size_t count)
      : groups_(groups), pushes_(count), answered_(count, 0) {
    for (std::size_t i = 0; i < count; ++i) pushes_[i].author = 10 + i;
  }
  ~PushThreads() { Join(); }
  void Push(std::size_t i) {
    threads_.emplace_back([this, i] {
      Result<LogPushResult> result = groups_->Push(pushes_[i]);
      if (result.ok()) answered_[i] = result->log_seq;
    });
  }
  // Joins every thread, then returns the answers.
  const std::vector<std::uint64_t>& Join() {
    for (std::thread& thread : threads_) thread.join();
    threads_.clear();
    return answered_;
  }

 private:
  PushGroups* groups_;
  std::vector<LogPush> pushes_;
  std::vector<std::uint64_t> answered_;
  std::vector<std::thread> threads_;
};

TEST(PushGroupsTest, PushesThatArriveDuringACommitFormTheNextGroup) {
  BlockingCommit commit;
  PushGroups groups(
      PushGroupLimits{},
      [&](std::span<const LogPush* const> pushes) { return commit(pushes); });
  PushThreads pushers(&groups, 5);
  pushers.Push(0);
  commit.WaitForGroups(1);  // The first push leads a group of its own.
  for (std::size_t i = 1; i < 5; ++i) {
    pushers.Push(i);
    while (groups.waiting() < i) std::this_thread::yield();
  }
  commit.Release();
  commit.WaitForGroups(2);
  commit.Release();
  EXPECT_EQ(pushers.Join(), (std::vector<std::uint64_t>{10, 11, 12, 13, 14}));
  EXPECT_EQ(commit.groups(),
            (std::vector<std::vector<std::uint64_t>>{{10}, {11, 12, 13, 14}}));
}

TEST(PushGroupsTest, AGroupStopsAtItsLimits) {
  BlockingCommit commit;
  PushGroupLimits limits;
  limits.max_pushes = 2;
  limits.max_bytes = 100;
  PushGroups groups(limits, [&](std::span<const LogPush* const> pushes) {
    return commit(pushes);
  });
  std::vector<TestPush> pushes(5);
  for (std::size_t i = 0; i < pushes.size(); ++i) {
    pushes[i].author = 10 + i;
    pushes[i].Add(1, Bytes(i == 3 ? 90 : 30, 0));
  }
  std::vector<std::thread> threads;
  threads.emplace_back([&] { groups.Push(pushes[0]).status().IgnoreError(); });
  commit.WaitForGroups(1);
  for (std::size_t i = 1; i < pushes.size(); ++i) {
    threads.emplace_back(
        [&, i] { groups.Push(pushes[i]).status().IgnoreError(); });
    while (groups.waiting() < i) std::this_thread::yield();
  }
  // {11, 12}: two pushes at most; {13} alone: 90 + 30 bytes is over 100.
  for (std::size_t n = 1; n <= 4; ++n) {
    commit.Release();
    if (n < 4) commit.WaitForGroups(n + 1);
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(commit.groups(), (std::vector<std::vector<std::uint64_t>>{
                                 {10}, {11, 12}, {13}, {14}}));
}

// A push queued while a group commits holds no thread: Submit returns at
// once, and the leader answers it after the next commit, on its own thread.
TEST(PushGroupsTest, AQueuedPushHoldsNoThread) {
  BlockingCommit commit;
  PushGroups groups(
      PushGroupLimits{},
      [&](std::span<const LogPush* const> pushes) { return commit(pushes); });
  std::vector<LogPush> pushes(4);
  for (std::size_t i = 0; i < pushes.size(); ++i) pushes[i].author = 20 + i;
  std::thread leader([&] { groups.Push(pushes[0]).status().IgnoreError(); });
  commit.WaitForGroups(1);
  std::mutex mutex;
  std::vector<std::uint64_t> answered;
  std::vector<std::thread::id> answered_on;
  for (std::size_t i = 1; i < pushes.size(); ++i) {
    // Returns while the commit is still blocked.
    groups.Submit(pushes[i], [&](Result<LogPushResult> result) {
      std::lock_guard lock(mutex);
      answered.push_back(result.ok() ? result->log_seq : 0);
      answered_on.push_back(std::this_thread::get_id());
    });
  }
  EXPECT_EQ(groups.waiting(), 3u);
  {
    std::lock_guard lock(mutex);
    EXPECT_TRUE(answered.empty());
  }
  commit.Release();
  commit.WaitForGroups(2);
  commit.Release();
  const std::thread::id leader_id = leader.get_id();
  leader.join();
  EXPECT_EQ(commit.groups(),
            (std::vector<std::vector<std::uint64_t>>{{20}, {21, 22, 23}}));
  EXPECT_EQ(answered, (std::vector<std::uint64_t>{21, 22, 23}));
  for (const std::thread::id& id : answered_on) EXPECT_EQ(id, leader_id);
}

// A leader steps down before it answers its group: while it is still
// answering (here, a slow answer), a push that arrives commits at once,
// led by its own caller, instead of waiting for every answer.
// With one leader (SQLite) and with room for two (PostgreSQL).
class PushGroupsLeadersTest : public ::testing::TestWithParam<std::size_t> {};

TEST_P(PushGroupsLeadersTest, ANewPushCommitsWhileTheLastGroupIsStillAnswered) {
  BlockingCommit commit;
  commit.Release();  // Neither commit blocks.
  commit.Release();
  PushGroupLimits limits;
  limits.leaders = GetParam();
  PushGroups groups(limits, [&](std::span<const LogPush* const> pushes) {
    return commit(pushes);
  });
  LogPush first;
  first.author = 30;
  LogPush second;
  second.author = 31;
  std::promise<void> answering;
  std::promise<void> finish_answer;
  std::thread leader([&] {
    groups.Submit(first, [&](Result<LogPushResult>) {
      answering.set_value();
      finish_answer.get_future().wait();
    });
  });
  answering.get_future().wait();
  std::promise<std::uint64_t> second_answer;
  std::future<std::uint64_t> second_answered = second_answer.get_future();
  groups.Submit(second, [&](Result<LogPushResult> result) {
    second_answer.set_value(result.ok() ? result->log_seq : 0);
  });
  const bool in_time = second_answered.wait_for(std::chrono::seconds(10)) ==
                       std::future_status::ready;
  finish_answer.set_value();
  leader.join();
  ASSERT_TRUE(in_time) << "the second push waited for the first's answer";
  EXPECT_EQ(second_answered.get(), 31u);
  EXPECT_EQ(commit.groups(),
            (std::vector<std::vector<std::uint64_t>>{{30}, {31}}));
}

INSTANTIATE_TEST_SUITE_P(OneAndTwo, PushGroupsLeadersTest,
                         ::testing::Values(std::size_t{1}, std::size_t{2}));

// With room for two leaders (PostgreSQL), a second group commits alongside
// the first only while a full group waits: pushes that arrive during a
// commit otherwise wait and commit together, in the fewest groups.
TEST(PushGroupsTest, ASecondGroupCommitsAlongsideOnlyWhileAFullGroupWaits) {
  BlockingCommit commit;
  PushGroupLimits limits;
  limits.leaders = 2;
  limits.max_pushes = 3;
  PushGroups groups(limits, [&](std::span<const LogPush* const> pushes) {
    return commit(pushes);
  });
  PushThreads pushers(&groups, 4);
  pushers.Push(0);
  commit.WaitForGroups(1);
  // Each waits in the line (in order), or (wrongly) leads a second group.
  for (std::size_t i = 1; i <= 2; ++i) {
    pushers.Push(i);
    while (groups.waiting() < i && commit.groups().size() < 2) {
      std::this_thread::yield();
    }
  }
  EXPECT_EQ(commit.groups().size(), 1u) << "a short line started a group";
  pushers.Push(3);  // The line holds a full group now: it commits at once.
  commit.WaitForGroups(2);
  EXPECT_EQ(commit.groups(),
            (std::vector<std::vector<std::uint64_t>>{{10}, {11, 12, 13}}));
  for (int i = 0; i < 4; ++i) commit.Release();  // Enough for any grouping.
  EXPECT_EQ(pushers.Join(), (std::vector<std::uint64_t>{10, 11, 12, 13}));
}

// Several leaders at once (as on PostgreSQL), many pushers: every push is
// answered with its own result, by the group that held it. (A waiter whose
// push another leader took once read the front of an empty line, led an
// empty group and returned before its answer was written into its stack.)
TEST(PushGroupsTest, EveryPushGetsItsOwnAnswerWithSeveralLeaders) {
  std::atomic<int> in_commit{0};
  PushGroupLimits limits;
  limits.leaders = 3;
  limits.max_pushes = 2;  // 8 pushers fill the line: extra leaders start.
  std::atomic<int> most_in_commit{0};
  PushGroups groups(limits, [&](std::span<const LogPush* const> pushes) {
    const int now = ++in_commit;
    int most = most_in_commit.load();
    while (now > most && !most_in_commit.compare_exchange_weak(most, now)) {
    }
    std::vector<Result<LogPushResult>> results;
    for (const LogPush* push : pushes) {
      LogPushResult result;
      result.log_seq = push->author * 1000 + push->objects.front().seq;
      results.emplace_back(result);
    }
    std::this_thread::yield();
    --in_commit;
    return results;
  });
  constexpr int kThreads = 8;
  constexpr std::uint64_t kPushes = 2000;
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (std::uint64_t seq = 1; seq <= kPushes; ++seq) {
        TestPush push;
        push.author = static_cast<std::uint64_t>(t) + 1;
        push.Add(seq, Bytes(1, 0));
        Result<LogPushResult> result = groups.Push(push);
        if (!result.ok() || result->log_seq != push.author * 1000 + seq) {
          ++wrong;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(groups.waiting(), 0u);
  EXPECT_LE(most_in_commit.load(), 3) << "more groups at once than leaders";
}

}  // namespace
}  // namespace coven::hub::store::testing
