// claw-sync's acceptance scenario 20 (research/claw-sync.md §7) through a
// real coven-hub, on its SQLite store and on PostgreSQL:
//
//   20  24 h idle: bounded growth, cheap verification
//
// Each test starts a coven-hub of its own with Prometheus /metrics on, so
// that every gRPC call the devices make is counted by the hub itself
// (grpc_server_handled_total, by method), and reads the hub's store beside
// it to see whether it grew.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "hub/hub_server.h"
#include "hub/idle_hub.h"
#include "test_device.h"

namespace coven::testing {
namespace {

constexpr std::int64_t kIdleStart = 1'700'000'000'000;
constexpr std::int64_t kIdleMinute = 60'000;
constexpr std::int64_t kIdleDay = 24 * 60 * kIdleMinute;
// A round every five minutes of the devices' clock.
constexpr std::int64_t kIdleRoundEvery = 5 * kIdleMinute;
// How often a device audits its own log (Config::audit_interval_ms, set
// here to the library's default).
constexpr std::int64_t kIdleAuditEvery = 60 * kIdleMinute;

// The size of a device's database: its pages and the rows of every table
// (coven's own included), as one line to compare.
std::string IdleLocalFootprint(TestDevice& device) {
  std::lock_guard<std::recursive_mutex> lock(device.sync_db().write_mutex());
  sqlite3* db = device.db();
  auto one = [db](const std::string& sql) -> std::int64_t {
    sqlite3_stmt* stmt = nullptr;
    std::int64_t value = -1;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
      value = sqlite3_column_int64(stmt, 0);
    }
    sqlite3_finalize(stmt);
    return value;
  };
  std::vector<std::string> tables;
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(db,
                     "SELECT name FROM sqlite_master WHERE type = 'table' "
                     "ORDER BY name",
                     -1, &stmt, nullptr);
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    tables.emplace_back(
        reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)));
  }
  sqlite3_finalize(stmt);
  std::string out = "pages=" + std::to_string(one("PRAGMA page_count"));
  for (const std::string& table : tables) {
    out += " " + table + "=" +
           std::to_string(one("SELECT count(*) FROM \"" + table + "\""));
  }
  return out;
}

struct IdleStore {
  std::string name;
  bool postgres = false;
};

void PrintTo(const IdleStore& store, std::ostream* out) { *out << store.name; }

class HubScenarioIdleTest : public ::testing::TestWithParam<IdleStore> {
 protected:
  void SetUp() override {
    hub_ = std::make_unique<IdleHub>();
    hub_->Start(GetParam().postgres);
    ASSERT_TRUE(hub_->ok());
    space_ = UniqueSpace("idle");
    library_ = MakeLibrary(89);
    clock_ = std::make_shared<ManualClock>(kIdleStart);
  }

  std::unique_ptr<TestDevice> Device(std::uint64_t seed, bool first) {
    TestDevice::Options options;
    options.home_url = hub_->Url(space_);
    options.create_home = first;
    options.audit_interval_ms = kIdleAuditEvery;
    auto device = TestDevice::Create(library_, nullptr, seed, clock_, options);
    EXPECT_NE(device, nullptr);
    return device;
  }

  std::unique_ptr<IdleHub> hub_;
  std::string space_;
  TestLibrary library_;
  std::shared_ptr<ManualClock> clock_;
};

// Scenario 20: two devices synced, then 24 hours of the devices' clock
// with a round on each every five minutes and nothing written. No idle
// round flushes, pushes, pulls or applies anything, and none makes a Push
// or a Pull call (Pull is how the hub serves log objects to a device's
// pull: no other device's log object is read). A plain idle round costs at
// most three hub calls (ListHeads, and the member log's listing and last
// slot, compared by hash). Once an hour each device audits its own log
// (docs/format/home-repair.md §2, §5): a listing of it, its head, a
// read-back of its newest objects (here its one object) and a listing of
// the current key's wraps, a few calls more.
// Neither the hub's store (its rows and bytes for the space; on SQLite its
// files too) nor the devices' databases grow.
TEST_P(HubScenarioIdleTest, ADayIdleNeitherGrowsNorReadsLogs) {
  auto a = Device(1, /*first=*/true);
  ASSERT_NE(a, nullptr);
  a->Exec("INSERT INTO todos VALUES('a1', 'from a', 0, coven_hlc())");
  a->Exec("INSERT INTO todo_notes VALUES('n1', 'a1', 'a note', coven_hlc())");
  a->Sync();
  auto b = Device(2, /*first=*/false);
  ASSERT_NE(b, nullptr);
  b->Exec("INSERT INTO todos VALUES('b1', 'from b', 0, coven_hlc())");
  b->Sync();
  a->Sync();
  // One more round each: whatever a first round leaves to the next is done.
  clock_->Advance(kIdleRoundEvery);
  a->Sync();
  b->Sync();
  const std::vector<std::string> rows = {"a1|from a|0", "b1|from b|0"};
  ASSERT_EQ(a->Dump("todos", false), rows);
  ASSERT_EQ(b->Dump("todos", false), rows);

  const std::string store_before = hub_->Footprint(space_);
  const std::uintmax_t folder_before = hub_->FolderBytes();
  const std::vector<TestDevice*> devices = {a.get(), b.get()};
  std::vector<std::string> local_before;
  for (TestDevice* device : devices) {
    local_before.push_back(IdleLocalFootprint(*device));
  }

  IdleCalls calls = hub_->Calls();
  std::map<std::string, int> rounds_by_calls;  // For the log.
  std::vector<int> audits(devices.size(), 0);
  int rounds = 0;
  for (std::int64_t t = 0; t < kIdleDay; t += kIdleRoundEvery) {
    clock_->Advance(kIdleRoundEvery);
    for (std::size_t i = 0; i < devices.size(); ++i) {
      const auto report = devices[i]->Sync();
      const IdleCalls now = hub_->Calls();
      const IdleCalls made = IdleCallsBetween(calls, now);
      calls = now;
      ++rounds;
      ++rounds_by_calls[IdleDescribe(made)];
      const std::string where =
          "round " + std::to_string(rounds) + ": " + IdleDescribe(made);
      EXPECT_EQ(report.flushed_rows, 0u) << where;
      EXPECT_EQ(report.pushed_objects, 0u) << where;
      EXPECT_EQ(report.pulled_objects, 0u) << where;
      EXPECT_EQ(report.applied_rows, 0u) << where;
      EXPECT_EQ(report.quarantined, 0u) << where;
      EXPECT_TRUE(report.problems.empty())
          << where << " " << report.problems[0];
      EXPECT_EQ(made.count("Push"), 0u) << where;
      EXPECT_EQ(made.count("Pull"), 0u) << where;
      EXPECT_EQ(made.count("RegisterDevice"), 0u) << where;
      const auto listings = made.find("ListObjects");
      if (listings != made.end() && listings->second > 1) {
        // The audit: its own log listed, its head and its one object read,
        // the current key's wraps listed.
        ++audits[i];
        EXPECT_LE(IdleTotal(made), 3u + 4u) << where;
      } else {
        EXPECT_LE(IdleTotal(made), 3u) << where;
      }
    }
    if (HasFailure()) break;
  }
  for (const auto& [made, count] : rounds_by_calls) {
    std::cout << "[ idle ] " << GetParam().name << " " << count
              << " rounds called " << made << "\n";
  }
  EXPECT_EQ(rounds, 2 * kIdleDay / kIdleRoundEvery);
  for (std::size_t i = 0; i < devices.size(); ++i) {
    EXPECT_EQ(audits[i], kIdleDay / kIdleAuditEvery) << "device " << i;
    EXPECT_EQ(IdleLocalFootprint(*devices[i]), local_before[i])
        << "device " << i;
  }
  EXPECT_EQ(hub_->Footprint(space_), store_before);
  if (!GetParam().postgres) {
    EXPECT_EQ(hub_->FolderBytes(), folder_before);
  }
  EXPECT_EQ(a->Dump("todos"), b->Dump("todos"));
}

INSTANTIATE_TEST_SUITE_P(Stores, HubScenarioIdleTest,
                         ::testing::Values(IdleStore{"Sqlite", false},
                                           IdleStore{"Postgres", true}),
                         [](const ::testing::TestParamInfo<IdleStore>& info) {
                           return info.param.name;
                         });

}  // namespace
}  // namespace coven::testing
