// RecentLogs, the hub's memory of the log objects it committed lately: it
// answers a read only when it holds all of it, exactly as the store would
// (checked against both stores over random pushes and reads), and stays
// within its limits.
#include "hub/server/recent_logs.h"

#include <random>

#include "hub/store_test_util.h"

namespace coven::hub::store::testing {
namespace {

using server::RecentLogs;
using server::RecentLogsLimits;

constexpr std::uint64_t kRecentAuthor = 0x7ec;

LogRange RecentRange(std::uint64_t after, std::uint64_t through) {
  LogRange range;
  range.space = kSpace;
  range.author = kRecentAuthor;
  range.after_seq = after;
  range.through_seq = through;
  return range;
}

TEST(RecentLogsTest, AnswersOnlyWhatItHoldsWholly) {
  RecentLogs recent(RecentLogsLimits{});
  const TestPush first = MakePush(kRecentAuthor, 3, 6);
  recent.Add(kSpace, kRecentAuthor, first.objects);
  LogPage page;
  // Held from 3 to 6.
  ASSERT_TRUE(recent.Read(RecentRange(2, 6), &page));
  EXPECT_EQ(SeqsOf(page.objects), (std::vector<std::uint64_t>{3, 4, 5, 6}));
  EXPECT_EQ(page.head_seq, 6u);
  EXPECT_TRUE(page.at_end(RecentRange(2, 6)));
  EXPECT_EQ(page.objects[0].data, ObjectBytes(kRecentAuthor, 3));
  ASSERT_TRUE(recent.Read(RecentRange(3, 5), &page));
  EXPECT_EQ(SeqsOf(page.objects), (std::vector<std::uint64_t>{4, 5}));
  // Not held: before the run, past it, "to the head", another author or
  // space, nothing asked.
  EXPECT_FALSE(recent.Read(RecentRange(1, 6), &page));
  EXPECT_FALSE(recent.Read(RecentRange(4, 7), &page));
  EXPECT_FALSE(recent.Read(RecentRange(4, 0), &page));
  EXPECT_FALSE(recent.Read(RecentRange(6, 6), &page));
  LogRange other = RecentRange(3, 5);
  other.author = kRecentAuthor + 1;
  EXPECT_FALSE(recent.Read(other, &page));
  other = RecentRange(3, 5);
  other.space = "space-2";
  EXPECT_FALSE(recent.Read(other, &page));
}

TEST(RecentLogsTest, ARunStaysConsecutive) {
  RecentLogs recent(RecentLogsLimits{});
  recent.Add(kSpace, kRecentAuthor, MakePush(kRecentAuthor, 1, 2).objects);
  // A retry and an older push answered late change nothing.
  recent.Add(kSpace, kRecentAuthor, MakePush(kRecentAuthor, 1, 1).objects);
  recent.Add(kSpace, kRecentAuthor, MakePush(kRecentAuthor, 2, 3).objects);
  LogPage page;
  ASSERT_TRUE(recent.Read(RecentRange(0, 3), &page));
  EXPECT_EQ(SeqsOf(page.objects), (std::vector<std::uint64_t>{1, 2, 3}));
  // A gap (seqs another hub process stored): the run starts again after it.
  recent.Add(kSpace, kRecentAuthor, MakePush(kRecentAuthor, 6, 7).objects);
  EXPECT_FALSE(recent.Read(RecentRange(0, 7), &page));
  EXPECT_FALSE(recent.Read(RecentRange(3, 7), &page));
  EXPECT_FALSE(recent.Read(RecentRange(0, 2), &page));
  ASSERT_TRUE(recent.Read(RecentRange(5, 7), &page));
  EXPECT_EQ(SeqsOf(page.objects), (std::vector<std::uint64_t>{6, 7}));
  EXPECT_EQ(recent.bytes(), 2 * (ObjectBytes(kRecentAuthor, 6).size() +
                                 RecentLogs::kObjectOverhead));
  // An object too large to keep ends the run: nothing past it is held.
  TestPush large;
  large.space = kSpace;
  large.author = kRecentAuthor;
  large.Add(8, Bytes(100, 0x5a));
  large.Add(9, ObjectBytes(kRecentAuthor, 9));
  RecentLogs small(RecentLogsLimits{.max_object_bytes = 99});
  small.Add(kSpace, kRecentAuthor, MakePush(kRecentAuthor, 6, 7).objects);
  small.Add(kSpace, kRecentAuthor, large.objects);
  EXPECT_FALSE(small.Read(RecentRange(5, 7), &page));
  ASSERT_TRUE(small.Read(RecentRange(8, 9), &page));
  EXPECT_EQ(SeqsOf(page.objects), (std::vector<std::uint64_t>{9}));
}

TEST(RecentLogsTest, CutsPagesAsTheStoreDoes) {
  RecentLogs recent(RecentLogsLimits{});
  recent.Add(kSpace, kRecentAuthor, MakePush(kRecentAuthor, 1, 5).objects);
  const std::uint64_t size = ObjectBytes(kRecentAuthor, 1).size();
  LogPage page;
  LogRange two = RecentRange(0, 5);
  two.max_objects = 2;
  ASSERT_TRUE(recent.Read(two, &page));
  EXPECT_EQ(SeqsOf(page.objects), (std::vector<std::uint64_t>{1, 2}));
  EXPECT_FALSE(page.at_end(two));
  LogRange bytes = RecentRange(0, 5);
  bytes.max_bytes = 3 * size - 1;
  ASSERT_TRUE(recent.Read(bytes, &page));
  EXPECT_EQ(SeqsOf(page.objects), (std::vector<std::uint64_t>{1, 2}));
  bytes.max_bytes = 1;  // The first object always comes.
  ASSERT_TRUE(recent.Read(bytes, &page));
  EXPECT_EQ(SeqsOf(page.objects), (std::vector<std::uint64_t>{1}));
  LogRange small = RecentRange(3, 5);
  small.max_object_bytes = size - 1;
  ASSERT_TRUE(recent.Read(small, &page));
  ASSERT_EQ(page.objects.size(), 2u);
  EXPECT_TRUE(page.objects[0].too_large);
  EXPECT_TRUE(page.objects[0].data.empty());
  EXPECT_EQ(page.objects[0].size, size);
}

TEST(RecentLogsTest, KeepsWithinItsLimitsDroppingTheOldest) {
  const std::uint64_t size =
      ObjectBytes(kRecentAuthor, 1).size() + RecentLogs::kObjectOverhead;
  RecentLogs by_bytes(RecentLogsLimits{.max_bytes = 3 * size});
  for (std::uint64_t seq = 1; seq <= 10; ++seq) {
    by_bytes.Add(kSpace, kRecentAuthor,
                 MakePush(kRecentAuthor, seq, seq).objects);
    EXPECT_LE(by_bytes.bytes(), 3 * size);
  }
  LogPage page;
  EXPECT_FALSE(by_bytes.Read(RecentRange(6, 10), &page));
  ASSERT_TRUE(by_bytes.Read(RecentRange(7, 10), &page));
  EXPECT_EQ(SeqsOf(page.objects), (std::vector<std::uint64_t>{8, 9, 10}));

  RecentLogs by_count(RecentLogsLimits{.max_objects = 4});
  for (std::uint64_t author = 1; author <= 3; ++author) {
    by_count.Add(kSpace, author, MakePush(author, 1, 2).objects);
  }
  LogRange first = RecentRange(0, 2);
  first.author = 1;
  EXPECT_FALSE(by_count.Read(first, &page));
  first.author = 3;
  EXPECT_TRUE(by_count.Read(first, &page));
  EXPECT_EQ(by_count.bytes(), 4 * size);

  RecentLogs none(RecentLogsLimits{.max_bytes = 0});
  none.Add(kSpace, kRecentAuthor, MakePush(kRecentAuthor, 1, 1).objects);
  EXPECT_FALSE(none.Read(RecentRange(0, 1), &page));
  EXPECT_EQ(none.bytes(), 0u);
}

// Random pushes (some retried, some from "another process" that leaves a
// gap in what this one saw) and random reads: whenever RecentLogs answers,
// its page equals the store's, object for object.
TEST_P(HubStoreTest, RecentLogsAnswerAsTheStoreDoes) {
  std::mt19937_64 random(20261201);
  const std::uint64_t size = ObjectBytes(kRecentAuthor, 1).size();
  RecentLogs recent(
      RecentLogsLimits{.max_bytes = 40 * (size + RecentLogs::kObjectOverhead)});
  std::uint64_t head = 0;
  int answered = 0;
  for (int round = 0; round < 120; ++round) {
    const std::uint64_t count = 1 + random() % 4;
    const bool retry = head > 0 && random() % 5 == 0;
    const std::uint64_t first = retry ? 1 + random() % head : head + 1;
    const TestPush push = MakePush(kRecentAuthor, first, first + count - 1);
    Result<LogPushResult> pushed = store_->PushLog(push);
    ASSERT_STORE_OK(pushed);
    head = std::max(head, first + count - 1);
    // One push in six is seen only by the store (another hub process).
    if (random() % 6 != 0) recent.Add(kSpace, kRecentAuthor, push.objects);
    for (int read = 0; read < 4; ++read) {
      // Mostly near the head, where subscribers read.
      const std::uint64_t back =
          1 + random() %
                  std::min<std::uint64_t>(head, random() % 4 == 0 ? head : 12);
      const std::uint64_t after = head - back;
      LogRange range = RecentRange(after, after + 1 + random() % back);
      range.max_objects = 1 + static_cast<std::uint32_t>(random() % 8);
      range.max_bytes = size * (1 + random() % 6) - random() % 2;
      range.max_object_bytes = random() % 8 == 0 ? size - 1 : size;
      LogPage cached;
      if (!recent.Read(range, &cached)) continue;
      ++answered;
      Result<LogPage> stored = store_->ReadLogPage(range);
      ASSERT_STORE_OK(stored);
      ASSERT_EQ(SeqsOf(cached.objects), SeqsOf(stored->objects))
          << "round " << round;
      for (std::size_t i = 0; i < cached.objects.size(); ++i) {
        EXPECT_EQ(cached.objects[i].data, stored->objects[i].data);
        EXPECT_EQ(cached.objects[i].size, stored->objects[i].size);
        EXPECT_EQ(cached.objects[i].too_large, stored->objects[i].too_large);
      }
      EXPECT_EQ(cached.at_end(range), stored->at_end(range));
    }
  }
  EXPECT_GT(answered, 150);
}

}  // namespace
}  // namespace coven::hub::store::testing
