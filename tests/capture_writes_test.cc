// Capture: every kind of write a host can make between two flushes reaches
// the other device, with few and with many changed rows, and writes that do
// not stick (rolled back) ship nothing. The last three tests are the cases
// a review found a hand-written preupdate-hook capture getting wrong
// (reverted); they pin the behaviour of the session-based capture.
#include <gtest/gtest.h>

#include <string>

#include "coven/hlc.h"
#include "coven/memory_home.h"
#include "test_device.h"

namespace coven::testing {
namespace {

constexpr std::int64_t kWritesStart = 1'700'000'000'000;

// `rows` todos, ids `<prefix>-<n>`, stamped with coven_hlc().
std::string InsertTodos(const std::string& prefix, int rows) {
  return "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c "
         "WHERE i < " +
         std::to_string(rows) + ") INSERT INTO todos SELECT '" + prefix +
         "-' || i, 'todo ' || i, 0, coven_hlc() FROM c;";
}

void RunMixedWrites(int bulk_rows, std::uint64_t seed) {
  SCOPED_TRACE("bulk rows " + std::to_string(bulk_rows));
  auto home = home::MemoryHome::Create();
  auto lib = MakeLibrary(seed);
  auto clock = std::make_shared<ManualClock>(kWritesStart);
  auto a = TestDevice::Create(lib, home, 1, clock);
  auto b = TestDevice::Create(lib, home, 2, clock);
  a->Exec(InsertTodos("old", 20));
  a->Sync();
  b->Sync();
  clock->Advance(10);
  a->Exec("BEGIN;" + InsertTodos("bulk", bulk_rows) +
          // A key that changes: the old one must be deleted everywhere.
          "UPDATE todos SET id = 'renamed', _updated_at = coven_hlc() "
          "WHERE id = 'old-1';"
          // An update that leaves the stamp alone: restamped by the flush.
          "UPDATE todos SET title = 'kept stamp' WHERE id = 'old-2';"
          // A foreign stamp: restamped by the flush.
          "INSERT INTO todos VALUES('foreign', 'f', 0, '2000-01-01 00:00:00');"
          // REPLACE over an existing row, and a plain delete.
          "INSERT OR REPLACE INTO todos VALUES('old-3', 'replaced', 1, "
          "coven_hlc());"
          "DELETE FROM todos WHERE id = 'old-4';"
          // Inserted and deleted between two flushes.
          "INSERT INTO todos VALUES('brief', 'b', 0, coven_hlc());"
          "DELETE FROM todos WHERE id = 'brief';"
          // Stamped, then updated without a new stamp: ships its last values.
          "UPDATE todos SET title = 'later' WHERE id = 'bulk-1';"
          "COMMIT;");
  a->Sync();
  b->Sync();
  EXPECT_EQ(b->Dump("todos"), a->Dump("todos"));
  EXPECT_EQ(b->Dump("todos").size(), 20u + bulk_rows - 1u + 1u);
  // The rows the flush restamped carry stamps of this window.
  for (const std::string& row : a->Dump("todos")) {
    if (row.rfind("foreign|", 0) == 0 || row.rfind("old-2|", 0) == 0) {
      auto stamp = Hlc::FromText(row.substr(row.rfind('|') + 1));
      ASSERT_TRUE(stamp.has_value()) << row;
      EXPECT_GE(stamp->millis, static_cast<std::uint64_t>(kWritesStart + 10))
          << row;
    }
  }
}

TEST(CaptureWritesTest, EveryKindOfWriteReachesTheOtherDeviceByLookup) {
  RunMixedWrites(10, 91);  // few stamped rows: the keys are looked up
}

TEST(CaptureWritesTest, EveryKindOfWriteReachesTheOtherDeviceByScan) {
  RunMixedWrites(5000, 92);  // most of the table: the flush scans
}

// A transaction the host rolls back leaves nothing to ship, whatever it
// wrote.
TEST(CaptureWritesTest, RolledBackWritesShipNothing) {
  auto home = home::MemoryHome::Create();
  auto lib = MakeLibrary(93);
  auto clock = std::make_shared<ManualClock>(kWritesStart);
  auto a = TestDevice::Create(lib, home, 1, clock);
  auto b = TestDevice::Create(lib, home, 2, clock);
  b->Exec(InsertTodos("b", 3));
  b->Sync();
  a->Sync();
  const auto before = b->Dump("todos");
  a->Exec(
      "BEGIN;"
      "UPDATE todos SET title = 'x', _updated_at = coven_hlc() "
      "WHERE id = 'b-1';"
      "DELETE FROM todos WHERE id = 'b-2';"
      "INSERT INTO todos VALUES('ghost', 'g', 0, '2000-01-01 00:00:00');"
      "INSERT INTO todos VALUES('new', 'n', 0, coven_hlc());"
      "ROLLBACK;");
  EXPECT_EQ(a->Sync().flushed_rows, 0u);
  b->Sync();
  EXPECT_EQ(b->Dump("todos"), before);
  EXPECT_EQ(a->Dump("todos"), before);
}

// REPLACE of a whole row with the stamp it was read with (an ORM's "save"):
// the new values are a committed write and must reach the other device.
TEST(CaptureWritesTest, ReplaceWithAnOldStampShipsTheNewValues) {
  auto home = home::MemoryHome::Create();
  auto lib = MakeLibrary(94);
  auto clock = std::make_shared<ManualClock>(kWritesStart);
  auto a = TestDevice::Create(lib, home, 1, clock);
  auto b = TestDevice::Create(lib, home, 2, clock);
  a->Exec("INSERT INTO todos VALUES('r', 'one', 0, coven_hlc())");
  a->Sync();
  b->Sync();
  clock->Advance(10);
  const std::string stamp =
      a->Dump("todos").front().substr(a->Dump("todos").front().rfind('|') + 1);
  a->Exec("INSERT OR REPLACE INTO todos VALUES('r', 'two', 1, '" + stamp +
          "')");
  a->Sync();
  b->Sync();
  EXPECT_EQ(b->Dump("todos", false), std::vector<std::string>{"r|two|1"});
  EXPECT_EQ(b->Dump("todos"), a->Dump("todos"));
}

// A stamped write rolled back, then a committed write that keeps the stamp:
// the committed values must win on the other device too.
TEST(CaptureWritesTest, RolledBackStampThenUnstampedUpdateConverges) {
  auto home = home::MemoryHome::Create();
  auto lib = MakeLibrary(95);
  auto clock = std::make_shared<ManualClock>(kWritesStart);
  auto a = TestDevice::Create(lib, home, 1, clock);
  auto b = TestDevice::Create(lib, home, 2, clock);
  a->Exec("INSERT INTO todos VALUES('x', 'one', 0, coven_hlc())");
  a->Sync();
  b->Sync();
  clock->Advance(10);
  a->Exec(
      "BEGIN; UPDATE todos SET title = 'tmp', _updated_at = coven_hlc() "
      "WHERE id = 'x'; ROLLBACK;");
  a->Exec("UPDATE todos SET completed = 1 WHERE id = 'x'");
  a->Sync();
  b->Sync();
  EXPECT_EQ(b->Dump("todos", false), std::vector<std::string>{"x|one|1"});
  EXPECT_EQ(b->Dump("todos"), a->Dump("todos"));
}

// An insert and delete of an id rolled back on one device must not delete
// the row another device created under that id.
TEST(CaptureWritesTest, RolledBackInsertAndDeleteDeletesNothing) {
  auto home = home::MemoryHome::Create();
  auto lib = MakeLibrary(96);
  auto clock = std::make_shared<ManualClock>(kWritesStart);
  auto a = TestDevice::Create(lib, home, 1, clock);
  auto b = TestDevice::Create(lib, home, 2, clock);
  a->Sync();
  clock->Advance(10);
  a->Exec(
      "BEGIN; INSERT INTO todos VALUES('shared', 'a', 0, coven_hlc());"
      "DELETE FROM todos WHERE id = 'shared'; ROLLBACK;");
  clock->Advance(10);
  b->Exec("INSERT INTO todos VALUES('shared', 'from b', 0, coven_hlc())");
  b->Sync();
  clock->Advance(10);
  a->Sync();
  b->Sync();
  EXPECT_EQ(a->Dump("todos", false),
            std::vector<std::string>{"shared|from b|0"});
  EXPECT_EQ(b->Dump("todos"), a->Dump("todos"));
}

}  // namespace
}  // namespace coven::testing
