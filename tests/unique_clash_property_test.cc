// Property: devices that concurrently insert, update and delete rows of a
// table with two UNIQUE columns, claiming the same few values, and sync in
// random order with skewed clocks, end equal to each other and to the model
// of the clash rule (tests/unique_model.h, docs/merge.md): the claim with the
// larger stamp keeps the value, the other row is held aside as lost.
//
// COVEN_SEEDS (default 1000) sets the number of seeds; COVEN_SEED runs one.
// A failing seed is printed; add it to kRegressionSeeds.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <random>

#include "coven/memory_home.h"
#include "test_device.h"
#include "unique_model.h"

namespace coven::testing {
namespace {

constexpr int kDevices = 4;
// Seeds that once failed: 1 (before the rule: the first claim to arrive kept
// the value, and devices diverged).
const std::vector<std::uint64_t> kRegressionSeeds = {1};

constexpr const char* kTagsSchema = R"sql(
CREATE TABLE tags (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  slot INTEGER UNIQUE CHECK (slot IS NULL OR slot >= 0),
  _updated_at TEXT NOT NULL
);
)sql";

class UniqueSimulation {
 public:
  explicit UniqueSimulation(std::uint64_t seed) : seed_(seed), rng_(seed) {
    home::HomeRef home = home::MemoryHome::Create();
    TestLibrary library = MakeLibrary(seed);
    for (int i = 0; i < kDevices; ++i) {
      std::int64_t skew = static_cast<std::int64_t>(rng_() % 240'000) - 120'000;
      clocks_.push_back(
          std::make_shared<ManualClock>(1'700'000'000'000 + skew));
      TestDevice::Options options;
      options.tables = {"todos", "todo_notes", "tags"};
      options.extra_schema = kTagsSchema;
      devices_.push_back(TestDevice::Create(library, home, seed * 1000 + i,
                                            clocks_.back(), options));
    }
  }

  bool ok() const {
    for (const auto& d : devices_) {
      if (!d) return false;
    }
    return true;
  }

  void Step() {
    const int who = static_cast<int>(rng_() % kDevices);
    TestDevice& d = *devices_[who];
    clocks_[who]->Advance(static_cast<std::int64_t>(rng_() % 50));
    const std::string id = "r" + std::to_string(rng_() % 6);
    const std::string name = "'n" + std::to_string(rng_() % 4) + "'";
    const std::string slot =
        rng_() % 3 == 0 ? "NULL" : std::to_string(rng_() % 3);
    std::string sql;
    switch (rng_() % 8) {
      case 0:
      case 1:  // insert or replace the whole row
        sql = "INSERT INTO tags VALUES('" + id + "', " + name + ", " + slot +
              ", coven_hlc()) ON CONFLICT(id) DO UPDATE SET name = "
              "excluded.name, slot = excluded.slot, _updated_at = "
              "excluded._updated_at";
        break;
      case 2:  // claim another name
        sql = "UPDATE tags SET name = " + name +
              ", _updated_at = coven_hlc() WHERE id = '" + id + "'";
        break;
      case 3:  // claim another slot
        sql = "UPDATE tags SET slot = " + slot +
              ", _updated_at = coven_hlc() WHERE id = '" + id + "'";
        break;
      case 4: {
        const bool existed = !RowDump(d, id).empty();
        d.Exec("DELETE FROM tags WHERE id = '" + id + "'");
        if (existed) RecordDelete(d, id);
        return;
      }
      default:
        (void)d.manager().sync_now();
        return;
    }
    // A clash with a row this device already sees is refused locally.
    if (d.TryExec(sql).empty()) RecordUpsert(d, id);
  }

  void Heal() {
    for (int round = 0; round < 3; ++round) {
      for (int i = 0; i < kDevices; ++i) {
        clocks_[i]->Advance(1000);
        auto report = devices_[i]->manager().sync_now();
        ASSERT_TRUE(report.ok())
            << "seed " << seed_ << ": " << report.status().ToString();
      }
    }
  }

  /// Returns whether the history left rows held aside.
  bool Check() {
    const std::vector<std::string> expected = model_.Visible();
    const std::vector<std::string> held = model_.Held();
    for (int i = 0; i < kDevices; ++i) {
      EXPECT_EQ(devices_[i]->Dump("tags"), expected)
          << "seed " << seed_ << " device " << i << " differs from the model";
      std::vector<std::string> lost;
      for (const auto& row : devices_[i]->manager().status().lost) {
        EXPECT_EQ(row.table, "tags");
        lost.push_back(row.id);
      }
      std::sort(lost.begin(), lost.end());
      EXPECT_EQ(lost, held) << "seed " << seed_ << " device " << i
                            << " holds other rows aside than the model";
    }
    return !held.empty();
  }

 private:
  std::string RowDump(TestDevice& d, const std::string& id) {
    for (const std::string& row : d.Dump("tags")) {
      if (row.rfind(id + "|", 0) == 0) return row;
    }
    return "";
  }

  void RecordUpsert(TestDevice& d, const std::string& id) {
    const std::string row = RowDump(d, id);
    if (row.empty()) return;  // the update matched no row
    // id|name|slot|stamp
    std::vector<std::string> cols;
    std::size_t start = 0;
    while (true) {
      std::size_t bar = row.find('|', start);
      cols.push_back(row.substr(start, bar - start));
      if (bar == std::string::npos) break;
      start = bar + 1;
    }
    UniqueModel::Image image{row, {cols[1], std::nullopt}};
    if (cols[2] != "NULL") image.unique_values[1] = cols[2];
    model_.Write(id, cols[3], image);
  }

  void RecordDelete(TestDevice& d, const std::string& id) {
    std::string stamp;
    for (const std::string& row : d.Dump(
             "_coven_tombstones WHERE tbl = 'tags' AND pk = '" + id + "' --")) {
      stamp = row.substr(row.rfind('|') + 1);
    }
    ASSERT_FALSE(stamp.empty()) << "seed " << seed_ << ": no tombstone";
    model_.Write(id, stamp, std::nullopt);
  }

  std::uint64_t seed_;
  std::mt19937_64 rng_;
  std::vector<std::shared_ptr<ManualClock>> clocks_;
  std::vector<std::unique_ptr<TestDevice>> devices_;
  UniqueModel model_;
};

// Returns whether the seed's history ended with rows held aside.
bool RunSeed(std::uint64_t seed) {
  UniqueSimulation sim(seed);
  EXPECT_TRUE(sim.ok()) << "seed " << seed;
  if (!sim.ok()) return false;
  for (int i = 0; i < 60; ++i) {
    sim.Step();
    if (::testing::Test::HasFatalFailure()) return false;
  }
  sim.Heal();
  if (::testing::Test::HasFatalFailure()) return false;
  return sim.Check();
}

TEST(UniqueClashPropertyTest, EveryDeviceEndsWithTheModelsRows) {
  if (const char* one = std::getenv("COVEN_SEED")) {
    RunSeed(std::strtoull(one, nullptr, 10));
    return;
  }
  const char* env = std::getenv("COVEN_SEEDS");
  const int seeds = env ? std::atoi(env) : 1000;
  int with_held = 0;
  for (int s = 1; s <= seeds; ++s) {
    if (RunSeed(static_cast<std::uint64_t>(s))) ++with_held;
    if (::testing::Test::HasFailure()) {
      ADD_FAILURE() << "failing seed: " << s << " (rerun with COVEN_SEED=" << s
                    << ")";
      return;
    }
  }
  // The histories must actually clash: most end with rows held aside.
  std::cout << with_held << " of " << seeds << " seeds end with held rows\n";
  EXPECT_GE(with_held * 4, seeds) << "too few histories clash";
}

TEST(UniqueClashPropertyTest, RegressionSeeds) {
  for (std::uint64_t seed : kRegressionSeeds) RunSeed(seed);
}

}  // namespace
}  // namespace coven::testing
