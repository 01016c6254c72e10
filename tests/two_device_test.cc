// Two devices through one memory home: capture, seal, push, pull, apply, LWW.
#include <gtest/gtest.h>

#include "coven/memory_home.h"
#include "test_device.h"

namespace coven::testing {
namespace {

class TwoDeviceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    home_ = home::MemoryHome::Create();
    library_ = MakeLibrary(7);
    clock_a_ = std::make_shared<ManualClock>(1'700'000'000'000);
    clock_b_ = std::make_shared<ManualClock>(1'700'000'000'000);
    a_ = TestDevice::Create(library_, home_, 1, clock_a_);
    b_ = TestDevice::Create(library_, home_, 2, clock_b_);
    ASSERT_TRUE(a_ && b_);
  }
  void Tick(std::int64_t ms = 10) {
    clock_a_->Advance(ms);
    clock_b_->Advance(ms);
  }

  std::shared_ptr<home::MemoryHome> home_;
  TestLibrary library_;
  std::shared_ptr<ManualClock> clock_a_, clock_b_;
  std::unique_ptr<TestDevice> a_, b_;
};

TEST_F(TwoDeviceTest, InsertReachesOtherDevice) {
  a_->Exec("INSERT INTO todos VALUES('t1', 'buy milk', 0, coven_hlc())");
  auto pushed = a_->Sync();
  EXPECT_EQ(pushed.flushed_rows, 1u);
  EXPECT_EQ(pushed.pushed_objects, 1u);
  auto pulled = b_->Sync();
  EXPECT_EQ(pulled.pulled_objects, 1u);
  EXPECT_EQ(b_->Dump("todos", false),
            std::vector<std::string>{"t1|buy milk|0"});
  EXPECT_EQ(a_->Dump("todos"), b_->Dump("todos"));
  // Nothing echoes back.
  auto again = a_->Sync();
  EXPECT_EQ(again.pulled_objects, 0u);
  EXPECT_EQ(b_->Sync().pushed_objects, 0u);
}

TEST_F(TwoDeviceTest, ConcurrentEditsConvergeOnLaterStamp) {
  a_->Exec("INSERT INTO todos VALUES('t1', 'draft', 0, coven_hlc())");
  a_->Sync();
  b_->Sync();
  Tick();
  a_->Exec(
      "UPDATE todos SET title = 'from A', _updated_at = coven_hlc() WHERE id = "
      "'t1'");
  Tick();
  b_->Exec(
      "UPDATE todos SET completed = 1, _updated_at = coven_hlc() WHERE id = "
      "'t1'");
  a_->Sync();
  b_->Sync();
  a_->Sync();
  // B wrote later: its whole row wins everywhere (row-level LWW).
  EXPECT_EQ(a_->Dump("todos", false), std::vector<std::string>{"t1|draft|1"});
  EXPECT_EQ(a_->Dump("todos"), b_->Dump("todos"));
}

TEST_F(TwoDeviceTest, OlderEditDoesNotResurrectDelete) {
  a_->Exec("INSERT INTO todos VALUES('t1', 'x', 0, coven_hlc())");
  a_->Sync();
  b_->Sync();
  Tick();
  b_->Exec(
      "UPDATE todos SET title = 'older edit', _updated_at = coven_hlc() WHERE "
      "id = 't1'");
  Tick();
  a_->Exec("DELETE FROM todos WHERE id = 't1'");
  b_->Sync();  // B's older edit goes out first
  a_->Sync();  // A applies it, then pushes the newer delete
  b_->Sync();
  a_->Sync();
  EXPECT_TRUE(a_->Dump("todos").empty());
  EXPECT_TRUE(b_->Dump("todos").empty());
}

TEST_F(TwoDeviceTest, NewerWriteAfterDeleteWins) {
  a_->Exec("INSERT INTO todos VALUES('t1', 'x', 0, coven_hlc())");
  a_->Sync();
  b_->Sync();
  Tick();
  a_->Exec("DELETE FROM todos WHERE id = 't1'");
  Tick();
  b_->Exec(
      "UPDATE todos SET title = 'newer', _updated_at = coven_hlc() WHERE id = "
      "'t1'");
  a_->Sync();
  b_->Sync();
  a_->Sync();
  EXPECT_EQ(a_->Dump("todos", false), std::vector<std::string>{"t1|newer|0"});
  EXPECT_EQ(a_->Dump("todos"), b_->Dump("todos"));
}

TEST_F(TwoDeviceTest, UpdateWithoutStampIsRestamped) {
  a_->Exec("INSERT INTO todos VALUES('t1', 'x', 0, coven_hlc())");
  a_->Sync();
  b_->Sync();
  Tick();
  b_->Exec("UPDATE todos SET title = 'no stamp' WHERE id = 't1'");
  b_->Sync();
  a_->Sync();
  EXPECT_EQ(a_->Dump("todos", false),
            std::vector<std::string>{"t1|no stamp|0"});
  EXPECT_EQ(a_->Dump("todos"), b_->Dump("todos"));
}

TEST_F(TwoDeviceTest, CascadeDeleteAndParkedChild) {
  a_->Exec("INSERT INTO todos VALUES('t1', 'x', 0, coven_hlc())");
  a_->Exec("INSERT INTO todo_notes VALUES('n1', 't1', 'note', coven_hlc())");
  a_->Sync();
  b_->Sync();
  EXPECT_EQ(b_->Dump("todo_notes", false).size(), 1u);
  Tick();
  a_->Exec("DELETE FROM todos WHERE id = 't1'");  // cascades to n1 on A
  Tick();
  b_->Exec(
      "INSERT INTO todo_notes VALUES('n2', 't1', 'concurrent', coven_hlc())");
  a_->Sync();
  b_->Sync();
  a_->Sync();
  // t1 and n1 are gone everywhere; n2 is a live row without a parent: parked.
  EXPECT_TRUE(a_->Dump("todos").empty());
  EXPECT_TRUE(b_->Dump("todos").empty());
  EXPECT_TRUE(a_->Dump("todo_notes").empty());
  EXPECT_TRUE(b_->Dump("todo_notes").empty());
  // The parent comes back with a newer write: the parked child reappears.
  Tick();
  a_->Exec("INSERT INTO todos VALUES('t1', 'again', 0, coven_hlc())");
  a_->Sync();
  b_->Sync();
  EXPECT_EQ(b_->Dump("todo_notes", false),
            std::vector<std::string>{"n2|t1|concurrent"});
}

}  // namespace
}  // namespace coven::testing
