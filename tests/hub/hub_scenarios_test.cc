// claw-sync's acceptance scenarios (research/claw-sync.md §7) through a real
// coven-hub, on its SQLite store and on PostgreSQL: devices open the same
// hub:// space with their own keys and manual clocks.
//
//   2  a device with rows of its own joins a library with history
//   3  an insert and an update within one millisecond
//   5  an update older than a delete, arriving after it
//
// Payloads larger than a Pull page or a gRPC message (6, 8) are in
// hub_scenarios_paging_test.cc; the store dump (12) in
// hub_scenarios_store_test.cc; a poison op from an insider (15) in
// hub_scenarios_insider_test.cc; a day idle (20) in
// hub_scenarios_idle_test.cc.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "hub/hub_server.h"
#include "test_device.h"
#include "test_servers.h"

namespace coven::testing {
namespace {

constexpr std::int64_t kScenarioStart = 1'700'000'000'000;

class HubScenarioTest : public ::testing::TestWithParam<HubStore> {
 protected:
  void SetUp() override {
    hub_ = GetParam().hub();
    ASSERT_NE(hub_, nullptr);
    url_ = hub_->Url(UniqueSpace("scenario"), "&timeout_ms=5000");
    library_ = MakeLibrary(73);
  }

  // A device of the library on its own clock (or `clock`); the first one
  // founds the space.
  std::unique_ptr<TestDevice> Device(std::uint64_t seed, bool first,
                                     std::shared_ptr<ManualClock> clock = {},
                                     TestDevice::Options options = {}) {
    options.home_url = url_;
    options.create_home = first;
    if (!clock) clock = std::make_shared<ManualClock>(kScenarioStart);
    auto device = TestDevice::Create(library_, nullptr, seed, clock, options);
    EXPECT_NE(device, nullptr);
    return device;
  }

  HubServer* hub_ = nullptr;
  std::string url_;
  TestLibrary library_;
};

// Scenario 2: B's database holds rows before coven ever ran on it (stamped
// by no device); A's library already has a history of several flushes,
// with an update and a delete. After B joins, both hold the union.
TEST_P(HubScenarioTest, NewDeviceWithExistingRowsJoinsALibraryWithHistory) {
  auto clock = std::make_shared<ManualClock>(kScenarioStart);
  auto a = Device(1, /*first=*/true, clock);
  ASSERT_NE(a, nullptr);
  a->Exec("INSERT INTO todos VALUES('a1', 'from a', 0, coven_hlc())");
  a->Exec("INSERT INTO todos VALUES('a2', 'doomed', 0, coven_hlc())");
  a->Sync();
  clock->Advance(100);
  a->Exec(
      "UPDATE todos SET completed = 1, _updated_at = coven_hlc() "
      "WHERE id = 'a1'");
  a->Exec("DELETE FROM todos WHERE id = 'a2'");
  a->Exec("INSERT INTO todo_notes VALUES('an', 'a1', 'a note', coven_hlc())");
  a->Sync();

  TempDir dir("scenario2");
  ASSERT_FALSE(dir.path().empty());
  const std::string path = dir.path() + "/b.db";
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
  const std::string existing =
      std::string(kTodoSchema) +
      "INSERT INTO todos VALUES('b1', 'b before joining', 0, "
      "'2000-01-01 00:00:00'), ('b2', 'b also', 1, '2000-01-01 00:00:00');"
      "INSERT INTO todo_notes VALUES('bn', 'b1', 'b note', "
      "'2000-01-01 00:00:00');";
  ASSERT_EQ(sqlite3_exec(raw, existing.c_str(), nullptr, nullptr, nullptr),
            SQLITE_OK)
      << sqlite3_errmsg(raw);
  sqlite3_close(raw);
  TestDevice::Options options;
  options.db_path = path;
  auto b = Device(2, /*first=*/false, clock, options);
  ASSERT_NE(b, nullptr);
  clock->Advance(100);
  const auto joined = b->Sync();
  EXPECT_EQ(joined.flushed_rows, 3u) << "B's existing rows were not shipped";
  a->Sync();
  b->Sync();

  const std::vector<std::string> todos = {
      "a1|from a|1", "b1|b before joining|0", "b2|b also|1"};
  const std::vector<std::string> notes = {"an|a1|a note", "bn|b1|b note"};
  EXPECT_EQ(a->Dump("todos", false), todos);
  EXPECT_EQ(b->Dump("todos", false), todos);
  EXPECT_EQ(a->Dump("todo_notes", false), notes);
  EXPECT_EQ(a->Dump("todos"), b->Dump("todos"));
  EXPECT_EQ(a->Dump("todo_notes"), b->Dump("todo_notes"));
  EXPECT_TRUE(b->manager().status().last_error.empty())
      << b->manager().status().last_error;
}

// Scenario 3: the clock never moves, so every stamp shares one
// millisecond; the hybrid clock's counter must still order an insert
// before its update, in one flush, across two flushes and across devices.
TEST_P(HubScenarioTest, InsertAndUpdateWithinOneMillisecond) {
  auto clock = std::make_shared<ManualClock>(kScenarioStart);
  auto a = Device(3, /*first=*/true, clock);
  ASSERT_NE(a, nullptr);
  auto b = Device(4, /*first=*/false, clock);
  ASSERT_NE(b, nullptr);
  a->Sync();
  b->Sync();
  // One flush holds both.
  a->Exec("INSERT INTO todos VALUES('t1', 'inserted', 0, coven_hlc())");
  a->Exec(
      "UPDATE todos SET title = 'updated', _updated_at = coven_hlc() "
      "WHERE id = 't1'");
  // Two flushes.
  a->Exec("INSERT INTO todos VALUES('t2', 'inserted', 0, coven_hlc())");
  a->Sync();
  a->Exec(
      "UPDATE todos SET title = 'updated', _updated_at = coven_hlc() "
      "WHERE id = 't2'");
  a->Sync();
  b->Sync();
  EXPECT_EQ(b->Dump("todos", false),
            (std::vector<std::string>{"t1|updated|0", "t2|updated|0"}));
  // B updates what it just received, in the same millisecond.
  b->Exec(
      "UPDATE todos SET completed = 1, _updated_at = coven_hlc() "
      "WHERE id = 't1'");
  b->Sync();
  a->Sync();
  const std::vector<std::string> final_rows = {"t1|updated|1", "t2|updated|0"};
  EXPECT_EQ(a->Dump("todos", false), final_rows);
  EXPECT_EQ(b->Dump("todos", false), final_rows);
  EXPECT_EQ(a->Dump("todos"), b->Dump("todos"));
  // Nothing moved the devices' clock (a retry's backoff would have).
  EXPECT_EQ(clock->NowMillis(), kScenarioStart);
}

// Scenario 5: B edits a row, A deletes it later (a newer stamp) and pushes
// first; C receives the delete, then B's older edit: the row stays deleted
// on every device. A write newer than the delete brings it back (the
// documented rule: last writer wins, a delete being a write).
TEST_P(HubScenarioTest, UpdateOlderThanADeleteArrivingAfterItStaysDeleted) {
  auto clock_a = std::make_shared<ManualClock>(kScenarioStart);
  auto clock_b = std::make_shared<ManualClock>(kScenarioStart);
  auto a = Device(5, /*first=*/true, clock_a);
  ASSERT_NE(a, nullptr);
  a->Exec("INSERT INTO todos VALUES('t1', 'original', 0, coven_hlc())");
  a->Exec("INSERT INTO todos VALUES('t2', 'bystander', 0, coven_hlc())");
  a->Sync();
  auto b = Device(6, /*first=*/false, clock_b);
  ASSERT_NE(b, nullptr);
  auto c = Device(7, /*first=*/false);
  ASSERT_NE(c, nullptr);
  b->Sync();
  c->Sync();
  ASSERT_EQ(c->Dump("todos", false).size(), 2u);

  clock_b->Advance(10);
  b->Exec(
      "UPDATE todos SET title = 'older edit', _updated_at = coven_hlc() "
      "WHERE id = 't1'");
  clock_a->Advance(1000);
  a->Exec("DELETE FROM todos WHERE id = 't1'");
  a->Sync();
  c->Sync();
  EXPECT_EQ(c->Dump("todos", false),
            std::vector<std::string>{"t2|bystander|0"});
  b->Sync();  // Pushes the older edit, pulls the delete.
  c->Sync();
  a->Sync();
  const std::vector<std::string> survivors = {"t2|bystander|0"};
  EXPECT_EQ(a->Dump("todos", false), survivors);
  EXPECT_EQ(b->Dump("todos", false), survivors);
  EXPECT_EQ(c->Dump("todos", false), survivors);

  clock_b->Advance(5000);
  b->Exec("INSERT INTO todos VALUES('t1', 'reborn', 0, coven_hlc())");
  b->Sync();
  a->Sync();
  c->Sync();
  const std::vector<std::string> reborn = {"t1|reborn|0", "t2|bystander|0"};
  EXPECT_EQ(a->Dump("todos", false), reborn);
  EXPECT_EQ(c->Dump("todos", false), reborn);
  EXPECT_EQ(a->Dump("todos"), b->Dump("todos"));
  EXPECT_EQ(a->Dump("todos"), c->Dump("todos"));
}

INSTANTIATE_TEST_SUITE_P(Stores, HubScenarioTest, EveryHubStore(),
                         HubStoreName);

}  // namespace
}  // namespace coven::testing
