// ChangeAnnouncer: change hints sent off the caller's thread, merged while
// a batch is on its way, bounded, and flushed when it stops.
#include "hub/store/change_announcer.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

namespace coven::hub::store::testing {
namespace {

Change LogChange(const std::string& space, std::uint64_t author,
                 std::uint64_t seq) {
  Change change;
  change.space = space;
  change.author = author;
  change.log_seq = seq;
  return change;
}

// A send that blocks until released, recording each batch.
class HeldSend {
 public:
  void operator()(const std::vector<Change>& batch) {
    std::unique_lock lock(mutex_);
    batches_.push_back(batch);
    sending_.notify_all();
    release_.wait(lock, [&] { return released_ >= batches_.size(); });
  }
  void WaitForBatches(std::size_t n) {
    std::unique_lock lock(mutex_);
    sending_.wait(lock, [&] { return batches_.size() >= n; });
  }
  void Release() {
    std::lock_guard lock(mutex_);
    ++released_;
    release_.notify_all();
  }
  void ReleaseAll() {
    std::lock_guard lock(mutex_);
    released_ = 1 << 20;
    release_.notify_all();
  }
  std::vector<std::vector<Change>> batches() {
    std::lock_guard lock(mutex_);
    return batches_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable sending_;
  std::condition_variable release_;
  std::size_t released_ = 0;
  std::vector<std::vector<Change>> batches_;
};

TEST(ChangeAnnouncerTest, MergesWhatArrivesWhileABatchIsOnItsWay) {
  HeldSend send;
  {
    ChangeAnnouncer announcer([&](const std::vector<Change>& batch) {
      send(batch);
      return true;
    });
    announcer.Add(LogChange("todos", 1, 1));
    send.WaitForBatches(1);  // Held: Add must not wait for it.
    announcer.Add(LogChange("todos", 1, 2));
    announcer.Add(LogChange("todos", 2, 7));
    announcer.Add(LogChange("todos", 1, 3));
    announcer.Add(LogChange("todos", 2, 5));  // Older: merged away.
    Change members;
    members.space = "todos";
    members.members = true;
    announcer.Add(members);
    announcer.Add(members);
    announcer.Add(LogChange("notes", 1, 9));
    send.Release();
    send.WaitForBatches(2);
    send.ReleaseAll();
  }
  const auto batches = send.batches();
  ASSERT_EQ(batches.size(), 2u);
  ASSERT_EQ(batches[0].size(), 1u);
  EXPECT_EQ(batches[0][0].log_seq, 1u);
  // One change per space and author, at its highest seq; one for the
  // member log.
  ASSERT_EQ(batches[1].size(), 4u);
  std::map<std::pair<std::string, std::uint64_t>, std::uint64_t> seqs;
  int member_changes = 0;
  for (const Change& change : batches[1]) {
    if (change.members) {
      ++member_changes;
      EXPECT_EQ(change.space, "todos");
      continue;
    }
    seqs[{change.space, change.author}] = change.log_seq;
  }
  EXPECT_EQ(member_changes, 1);
  EXPECT_EQ(seqs,
            (std::map<std::pair<std::string, std::uint64_t>, std::uint64_t>{
                {{"todos", 1}, 3}, {{"todos", 2}, 7}, {{"notes", 1}, 9}}));
}

TEST(ChangeAnnouncerTest, DropsBeyondItsBoundAndFlushesWhenItStops) {
  HeldSend send;
  std::uint64_t dropped = 0;
  {
    ChangeAnnouncer announcer(
        [&](const std::vector<Change>& batch) {
          send(batch);
          return true;
        },
        /*max_pending=*/3);
    announcer.Add(LogChange("todos", 100, 1));
    send.WaitForBatches(1);
    for (std::uint64_t author = 1; author <= 5; ++author) {
      announcer.Add(LogChange("todos", author, 1));
    }
    announcer.Add(LogChange("todos", 2, 4));  // Pending: merged, not dropped.
    dropped = announcer.dropped();
    send.ReleaseAll();
    // Stopping sends the pending batch before the thread ends.
  }
  EXPECT_EQ(dropped, 2u);  // Log changes: the readers' poll covers them.
  const auto batches = send.batches();
  ASSERT_EQ(batches.size(), 2u);
  ASSERT_EQ(batches[1].size(), 3u);
  EXPECT_EQ(batches[1][1].author, 2u);
  EXPECT_EQ(batches[1][1].log_seq, 4u);
}

TEST(ChangeAnnouncerTest, NeverDropsAMemberLogChange) {
  HeldSend send;
  std::uint64_t dropped = 0;
  {
    ChangeAnnouncer announcer(
        [&](const std::vector<Change>& batch) {
          send(batch);
          return true;
        },
        /*max_pending=*/1);
    announcer.Add(LogChange("todos", 100, 1));
    send.WaitForBatches(1);
    announcer.Add(LogChange("todos", 1, 1));
    announcer.Add(LogChange("todos", 2, 1));  // Over the bound: dropped.
    Change members;
    members.space = "todos";
    members.members = true;
    announcer.Add(members);  // Over the bound too, but kept.
    dropped = announcer.dropped();
    send.ReleaseAll();
  }
  EXPECT_EQ(dropped, 1u);
  const auto batches = send.batches();
  ASSERT_EQ(batches.size(), 2u);
  ASSERT_EQ(batches[1].size(), 2u);
  EXPECT_TRUE(batches[1][0].members || batches[1][1].members);
}

TEST(ChangeAnnouncerTest, SendsAFailedBatchAgain) {
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<std::vector<Change>> attempts;
  {
    ChangeAnnouncer announcer([&](const std::vector<Change>& batch) {
      std::lock_guard lock(mutex);
      attempts.push_back(batch);
      changed.notify_all();
      return attempts.size() > 1;  // The first attempt fails.
    });
    announcer.Add(LogChange("todos", 1, 1));
    std::unique_lock lock(mutex);
    changed.wait(lock, [&] { return attempts.size() >= 2; });
  }
  ASSERT_GE(attempts.size(), 2u);
  ASSERT_EQ(attempts[1].size(), 1u);
  EXPECT_EQ(attempts[1][0].author, 1u);
  EXPECT_EQ(attempts[1][0].log_seq, 1u);
}

}  // namespace
}  // namespace coven::hub::store::testing
