// Group commit: several pushes in one transaction (Store::PushLogs), each
// all or nothing on its own, on both stores. PushGroups, which gathers the
// pushes that wait while a commit runs into the next group, is tested in
// push_groups_test.cc.
#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "hub/store_test_util.h"

namespace coven::hub::store::testing {
namespace {

constexpr std::uint64_t kGroupAlice = 0xa11ce;
constexpr std::uint64_t kGroupBob = 0xb0b;
constexpr std::uint64_t kGroupCarol = 0xca201;

// One group that mixes pushes that store, retry, fork and leave a gap: the
// failing ones store nothing and the others are all kept.
TEST_P(HubStoreTest, AGroupKeepsEveryGoodPushAndNothingOfABadOne) {
  ASSERT_STORE_OK(store_->PushLog(MakePush(kGroupBob, 1, 2, 0, ToBytes("b2"))));

  const TestPush alice_first = MakePush(kGroupAlice, 1, 3, 0, ToBytes("a3"));
  const TestPush bob_fork = MakePush(kGroupBob, 2, 4, 1, ToBytes("b4-fork"));
  const TestPush alice_next = MakePush(kGroupAlice, 4, 5, 0, ToBytes("a5"));
  const TestPush carol_gap = MakePush(kGroupCarol, 2, 3, 0, ToBytes("c3"));
  const TestPush bob_retry = MakePush(kGroupBob, 2, 3, 0, ToBytes("b3"));
  TestPush invalid = MakePush(kGroupCarol, 1, 1);
  invalid.space.clear();
  const std::vector<const LogPush*> group = {
      &alice_first, &bob_fork, &alice_next, &carol_gap, &bob_retry, &invalid};

  std::vector<Result<LogPushResult>> results = store_->PushLogs(group);
  ASSERT_EQ(results.size(), group.size());
  ASSERT_STORE_OK(results[0]);
  EXPECT_EQ(results[0]->stored, 3u);
  EXPECT_EQ(results[1].status().code(), StatusCode::kAlreadyExists)
      << results[1].status().ToString();
  // The second push of Alice sees the first, committed in the same group.
  ASSERT_STORE_OK(results[2]);
  EXPECT_EQ(results[2]->log_seq, 5u);
  EXPECT_EQ(results[3].status().code(), StatusCode::kFailedPrecondition)
      << results[3].status().ToString();
  ASSERT_STORE_OK(results[4]);
  EXPECT_EQ(results[4]->stored, 1u);
  EXPECT_EQ(results[4]->already_had, 1u);
  EXPECT_EQ(results[5].status().code(), StatusCode::kInvalidArgument);

  EXPECT_EQ(SeqsOf(PullAll(*store_, kGroupAlice)),
            (std::vector<std::uint64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(SeqsOf(PullAll(*store_, kGroupBob)),
            (std::vector<std::uint64_t>{1, 2, 3}));
  EXPECT_TRUE(PullAll(*store_, kGroupCarol).empty());
  // Bob's stored objects are the first bytes, not the fork's.
  EXPECT_EQ(PullAll(*store_, kGroupBob)[1].data, ObjectBytes(kGroupBob, 2));
  Result<HeadRow> bob = HeadOf(*store_, kGroupBob);
  ASSERT_STORE_OK(bob);
  EXPECT_EQ(bob->head, ToBytes("b3"));
  Result<HeadRow> alice = HeadOf(*store_, kGroupAlice);
  ASSERT_STORE_OK(alice);
  EXPECT_EQ(alice->head, ToBytes("a5"));
  EXPECT_EQ(alice->log_seq, 5u);
}

TEST_P(HubStoreTest, AGroupOfOnlyFailuresStoresNothing) {
  const TestPush gap = MakePush(kGroupAlice, 3, 4);
  const TestPush other_gap = MakePush(kGroupBob, 2, 2);
  const std::vector<const LogPush*> group = {&gap, &other_gap};
  std::vector<Result<LogPushResult>> results = store_->PushLogs(group);
  ASSERT_EQ(results.size(), 2u);
  EXPECT_FALSE(results[0].ok());
  EXPECT_FALSE(results[1].ok());
  Result<std::vector<HeadRow>> heads = store_->ListHeads(kSpace);
  ASSERT_STORE_OK(heads);
  EXPECT_TRUE(heads->empty());
}

TEST_P(HubStoreTest, AGroupInASpaceThatDoesNotExistFailsAlone) {
  TestPush elsewhere = MakePush(kGroupAlice, 1, 1);
  elsewhere.space = "no-such-space";
  const TestPush here = MakePush(kGroupBob, 1, 1);
  const std::vector<const LogPush*> group = {&elsewhere, &here};
  std::vector<Result<LogPushResult>> results = store_->PushLogs(group);
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].status().code(), StatusCode::kNotFound)
      << results[0].status().ToString();
  ASSERT_STORE_OK(results[1]);
  EXPECT_EQ(SeqsOf(PullAll(*store_, kGroupBob)),
            (std::vector<std::uint64_t>{1}));
}

// Many threads pushing at once through PushLog (grouped by the store):
// every push is answered, every object stored once, in seq order.
TEST_P(HubStoreTest, ConcurrentPushesCommitInGroupsAndLoseNothing) {
  constexpr int kThreads = 12;
  constexpr std::uint64_t kPerAuthor = 40;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::uint64_t author = 0x100 + static_cast<std::uint64_t>(t);
      for (std::uint64_t seq = 1; seq <= kPerAuthor; ++seq) {
        Result<LogPushResult> pushed = store_->PushLog(
            MakePush(author, seq, seq, 0, ToBytes("h" + std::to_string(seq))));
        if (!pushed.ok() || pushed->stored != 1) ++failures;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  for (int t = 0; t < kThreads; ++t) {
    const std::uint64_t author = 0x100 + static_cast<std::uint64_t>(t);
    EXPECT_EQ(PullAll(*store_, author).size(), kPerAuthor);
  }
}

// Two groups on two store instances (two hub processes) that name the same
// authors in opposite orders: heads are locked in one order, so neither
// waits for the other in a cycle (PostgreSQL would abort one as a
// deadlock); every push of both is stored or found already stored.
TEST_P(HubStoreTest, GroupsNamingTheSameAuthorsInOppositeOrdersBothCommit) {
  Result<StoreRef> second = OpenAnother();
  ASSERT_STORE_OK(second);
  constexpr std::uint64_t kRounds = 25;
  std::atomic<int> failures{0};
  std::string first_failure;
  std::mutex mutex;
  auto run = [&](Store& store, bool reversed) {
    for (std::uint64_t seq = 1; seq <= kRounds; ++seq) {
      TestPush alice = MakePush(kGroupAlice, seq, seq);
      TestPush bob = MakePush(kGroupBob, seq, seq);
      std::vector<const LogPush*> group = {&alice, &bob};
      if (reversed) std::swap(group[0], group[1]);
      for (const Result<LogPushResult>& result : store.PushLogs(group)) {
        if (!result.ok()) {
          std::lock_guard lock(mutex);
          if (failures++ == 0) first_failure = result.status().ToString();
        }
      }
    }
  };
  std::thread one([&] { run(*store_, false); });
  std::thread two([&] { run(**second, true); });
  one.join();
  two.join();
  EXPECT_EQ(failures.load(), 0) << first_failure;
  EXPECT_EQ(PullAll(*store_, kGroupAlice).size(), kRounds);
  EXPECT_EQ(PullAll(*store_, kGroupBob).size(), kRounds);
}

}  // namespace
}  // namespace coven::hub::store::testing
