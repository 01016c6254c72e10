// A queue larger than one round's batch (a round uploads at most 64
// objects a push, twice): sync_now returns with all of it sent, and the
// background loop sends it round after round instead of one batch per poll
// interval. `coven sync` once stopped at 128 objects, said "synced" and
// exited 0 with the rest still queued.
#include <gtest/gtest.h>

#include "coven/memory_home.h"
#include "coven/sync_manager.h"
#include "coven/testing/manual_clock.h"
#include "test_device.h"

namespace coven::testing {
namespace {

constexpr int kBacklogObjects = 150;

// Device a founds a library in a memory home, then queues kBacklogObjects
// objects, one flush (one object) each.
class SyncBacklogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    a_ = TestDevice::Create(library_, home_, 1, clock_);
    ASSERT_NE(a_, nullptr);
    a_->Sync();  // Founds the library.
    for (int i = 0; i < kBacklogObjects; ++i) {
      a_->Exec("INSERT INTO todos VALUES('backlog-" + std::to_string(i) +
               "', 'queued', 0, coven_hlc())");
      ASSERT_TRUE(a_->manager().flush().ok());
    }
    ASSERT_EQ(a_->manager().status().pending_objects,
              static_cast<std::size_t>(kBacklogObjects));
  }

  home::HomeRef home_ = home::MemoryHome::Create();
  const TestLibrary library_ = MakeLibrary(61);
  std::shared_ptr<ManualClock> clock_ = std::make_shared<ManualClock>();
  std::unique_ptr<TestDevice> a_;
};

TEST_F(SyncBacklogTest, SyncNowSendsTheWholeQueue) {
  Result<sync::sync_manager::SyncReport> report = a_->manager().sync_now();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->pushed_objects, static_cast<std::size_t>(kBacklogObjects));
  EXPECT_EQ(a_->manager().status().pending_objects, 0u);

  auto b = TestDevice::Create(library_, home_, 2, clock_);
  ASSERT_NE(b, nullptr);
  b->Sync();
  EXPECT_EQ(b->Dump("todos", false).size(),
            static_cast<std::size_t>(kBacklogObjects));
}

TEST_F(SyncBacklogTest, TheLoopSendsABacklogWithoutWaitingTheInterval) {
  a_->manager().start_sync();
  // The clock never moves: every wait until the queue is sent must be a
  // wait of 0 ms, and the first real wait (the poll) finds it sent.
  const std::int64_t now = clock_->NowMillis();
  std::uint64_t waits = 1;
  std::optional<std::int64_t> deadline = clock_->AwaitWaiter(waits);
  while (deadline.has_value() && *deadline == now) {
    deadline = clock_->AwaitWaiter(++waits);
  }
  ASSERT_TRUE(deadline.has_value()) << "the loop never waited";
  EXPECT_GT(*deadline, now);
  EXPECT_GE(waits, 2u) << "the backlog took a single round";
  EXPECT_EQ(a_->manager().status().pending_objects, 0u)
      << "the loop waits the poll interval with objects queued";
  EXPECT_TRUE(a_->manager().stop().ok());
}

}  // namespace
}  // namespace coven::testing
