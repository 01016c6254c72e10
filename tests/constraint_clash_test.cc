// Constraint clashes (docs/merge.md): of two rows claiming one unique value
// the one written later keeps it, whichever arrives first, and the other is
// held aside as lost; a version that fails the receiver's CHECK is held.
#include <gtest/gtest.h>

#include "coven/memory_home.h"
#include "test_device.h"

namespace coven::testing {
namespace {

using SyncReport = sync::sync_manager::SyncReport;

constexpr std::int64_t kClashStart = 1'700'000'000'000;

constexpr const char* kTags = R"sql(
CREATE TABLE tags (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  slot INTEGER,
  _updated_at TEXT NOT NULL
);
)sql";

constexpr const char* kCheckedTags = R"sql(
CREATE TABLE tags (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  slot INTEGER CHECK (slot >= 0),
  _updated_at TEXT NOT NULL
);
)sql";

struct Devices {
  std::vector<std::shared_ptr<ManualClock>> clocks;
  std::vector<std::unique_ptr<TestDevice>> devices;
  TestDevice& operator[](std::size_t i) { return *devices[i]; }
};

// Devices with seeds 1..schemas.size() on one memory home, clocks at
// kClashStart.
Devices MakeDevices(const std::vector<const char*>& schemas) {
  home::HomeRef home = home::MemoryHome::Create();
  TestLibrary library = MakeLibrary(9);
  Devices out;
  for (std::size_t i = 0; i < schemas.size(); ++i) {
    out.clocks.push_back(std::make_shared<ManualClock>(kClashStart));
    TestDevice::Options options;
    options.tables = {"todos", "todo_notes", "tags"};
    options.extra_schema = schemas[i];
    out.devices.push_back(
        TestDevice::Create(library, home, i + 1, out.clocks.back(), options));
  }
  return out;
}

bool Mentions(const std::vector<std::string>& lines, const std::string& what) {
  for (const std::string& line : lines) {
    if (line.find(what) != std::string::npos) return true;
  }
  return false;
}

std::vector<std::string> LostIds(TestDevice& d) {
  std::vector<std::string> ids;
  for (const auto& row : d.manager().status().lost) ids.push_back(row.id);
  return ids;
}

// Device 0 writes r1 claiming "x" at kClashStart; device 1 writes r2 claiming
// "x" a second later, so r2 is the later claim. Device 2 receives the loser
// r1 first or the winner r2 first. Returns the three devices after healing.
Devices RunClash(bool loser_first) {
  Devices d = MakeDevices({kTags, kTags, kTags});
  for (int i = 0; i < 3; ++i) d[i].Sync();
  d.clocks[1]->Advance(1000);
  d[0].Exec("INSERT INTO tags VALUES('r1', 'x', 1, coven_hlc())");
  d[1].Exec("INSERT INTO tags VALUES('r2', 'x', 2, coven_hlc())");
  const int first = loser_first ? 0 : 1;
  const int second = 1 - first;
  d[first].Sync();
  d[2].Sync();
  EXPECT_EQ(d[2].Dump("tags", false).size(), 1u);
  d[second].Sync();  // pushes, and pulls the first claim
  SyncReport report = d[2].Sync();
  // Device 2 either displaces r1 (loser first) or holds it on arrival.
  EXPECT_TRUE(Mentions(report.problems, "row tags/r1 is held aside as lost"))
      << ::testing::PrintToString(report.problems);
  d[first].Sync();
  return d;
}

TEST(ConstraintClashTest, LaterClaimKeepsTheValueWhicheverArrivesFirst) {
  Devices loser_first = RunClash(true);
  Devices winner_first = RunClash(false);
  for (Devices* run : {&loser_first, &winner_first}) {
    for (int i = 0; i < 3; ++i) {
      TestDevice& device = (*run)[i];
      EXPECT_EQ(device.Dump("tags", false), std::vector<std::string>{"r2|x|2"})
          << "device " << i;
      EXPECT_EQ(LostIds(device), std::vector<std::string>{"r1"});
    }
  }
  // Same rows with the same stamps, in both orders and on every device.
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(loser_first[i].Dump("tags"), winner_first[i].Dump("tags"));
    EXPECT_EQ(loser_first[i].Dump("tags"), loser_first[0].Dump("tags"));
    auto a = loser_first[i].manager().status().lost;
    auto b = winner_first[i].manager().status().lost;
    ASSERT_EQ(a.size(), 1u);
    ASSERT_EQ(b.size(), 1u);
    EXPECT_EQ(a[0].stamp, b[0].stamp);
    EXPECT_NE(a[0].reason.find("tags/r2"), std::string::npos) << a[0].reason;
  }
}

TEST(ConstraintClashTest, HeldRowComesBackWhenTheWinnerGoes) {
  Devices d = RunClash(true);
  const std::string held_stamp = d[0].manager().status().lost.at(0).stamp;
  d.clocks[1]->Advance(10);
  d[1].Exec(
      "UPDATE tags SET name = 'y', _updated_at = coven_hlc() "
      "WHERE id = 'r2'");
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < 3; ++i) d[i].Sync();
  }
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(d[i].Dump("tags", false),
              (std::vector<std::string>{"r1|x|1", "r2|y|2"}))
        << "device " << i;
    EXPECT_TRUE(LostIds(d[i]).empty()) << "device " << i;
    // r1 is back with its own version: no new stamp was written.
    EXPECT_EQ(d[i].Dump("tags").at(0), "r1|x|1|" + held_stamp);
    EXPECT_EQ(d[i].Dump("tags"), d[0].Dump("tags"));
  }
}

TEST(ConstraintClashTest, VersionFailingTheReceiversCheckIsHeld) {
  // Device 0 has no CHECK on slot; devices 1 and 2 require slot >= 0.
  Devices d = MakeDevices({kTags, kCheckedTags, kCheckedTags});
  for (int i = 0; i < 3; ++i) d[i].Sync();
  d[0].Exec("INSERT INTO tags VALUES('r1', 'x', -1, coven_hlc())");
  d[0].Sync();
  for (int i = 1; i < 3; ++i) {
    SyncReport report = d[i].Sync();
    EXPECT_TRUE(Mentions(report.problems, "row tags/r1 is held aside as lost"))
        << ::testing::PrintToString(report.problems);
    EXPECT_TRUE(d[i].Dump("tags").empty());
    auto lost = d[i].manager().status().lost;
    ASSERT_EQ(lost.size(), 1u);
    EXPECT_EQ(lost[0].id, "r1");
    EXPECT_NE(lost[0].reason.find("CHECK constraint failed"), std::string::npos)
        << lost[0].reason;
  }
  // Another round decides the same.
  d[1].Sync();
  EXPECT_EQ(LostIds(d[1]), std::vector<std::string>{"r1"});
  // A newer version that passes replaces the held one everywhere.
  d.clocks[0]->Advance(10);
  d[0].Exec(
      "UPDATE tags SET slot = 3, _updated_at = coven_hlc() "
      "WHERE id = 'r1'");
  d[0].Sync();
  for (int i = 0; i < 3; ++i) {
    d[i].Sync();
    EXPECT_EQ(d[i].Dump("tags", false), std::vector<std::string>{"r1|x|3"});
    EXPECT_EQ(d[i].Dump("tags"), d[0].Dump("tags"));
    EXPECT_TRUE(LostIds(d[i]).empty());
  }
}

}  // namespace
}  // namespace coven::testing
