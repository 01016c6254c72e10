// Capture through the preupdate hook: every kind of write a host can make
// between two flushes reaches the other device, both when the flush looks
// the noted keys up and when it scans for stamps (many stamped rows).
#include <gtest/gtest.h>

#include <string>

#include "coven/hlc.h"
#include "coven/memory_home.h"
#include "test_device.h"

namespace coven::testing {
namespace {

constexpr std::int64_t kStart = 1'700'000'000'000;

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
  auto clock = std::make_shared<ManualClock>(kStart);
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
      EXPECT_GE(stamp->millis, static_cast<std::uint64_t>(kStart + 10)) << row;
    }
  }
}

TEST(CaptureHookTest, EveryKindOfWriteReachesTheOtherDeviceByLookup) {
  RunMixedWrites(10, 91);  // few stamped rows: the keys are looked up
}

TEST(CaptureHookTest, EveryKindOfWriteReachesTheOtherDeviceByScan) {
  RunMixedWrites(5000, 92);  // most of the table: the flush scans
}

}  // namespace
}  // namespace coven::testing
