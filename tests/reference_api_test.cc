// The reference API's seams: a BlobPlan hears local and remote row changes,
// and the config provider is consulted at every round.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>

#include "coven/memory_home.h"
#include "test_device.h"

namespace coven::testing {
namespace {

using changeset::RowChange;

// Names one file per todo and records what it heard.
class RecordingPlan final : public blob::BlobPlan {
 public:
  std::vector<blob::BlobRef> blobs_to_push(
      const std::vector<RowChange>& changes) override {
    std::lock_guard<std::mutex> lock(mutex);
    pushed.insert(pushed.end(), changes.begin(), changes.end());
    return Refs(changes);
  }
  std::vector<blob::BlobRef> blobs_to_pull(
      const std::vector<RowChange>& changes) override {
    std::lock_guard<std::mutex> lock(mutex);
    pulled.insert(pulled.end(), changes.begin(), changes.end());
    return Refs(changes);
  }

  std::mutex mutex;
  std::vector<RowChange> pushed;
  std::vector<RowChange> pulled;

 private:
  static std::vector<blob::BlobRef> Refs(const std::vector<RowChange>& rows) {
    std::vector<blob::BlobRef> refs;
    for (const RowChange& row : rows) {
      if (row.table != "todos" || row.op != RowChange::Op::kUpsert) continue;
      refs.push_back({"todo-files", row.id, "/nonexistent/" + row.id,
                      blob::BlobScope::Derived(row.id)});
    }
    return refs;
  }
};

bool HasProblem(const sync::sync_manager::SyncReport& report,
                const std::string& part) {
  for (const std::string& p : report.problems) {
    if (p.find(part) != std::string::npos) return true;
  }
  return false;
}

TEST(ReferenceApiTest, BlobPlanHearsLocalAndRemoteChanges) {
  auto home = home::MemoryHome::Create();
  TestLibrary library = MakeLibrary(31);
  auto clock = std::make_shared<ManualClock>(1'700'000'000'000);
  auto plan_a = std::make_shared<RecordingPlan>();
  auto plan_b = std::make_shared<RecordingPlan>();
  TestDevice::Options a_options;
  a_options.blob_plan = plan_a;
  TestDevice::Options b_options;
  b_options.blob_plan = plan_b;
  auto a = TestDevice::Create(library, home, 1, clock, a_options);
  auto b = TestDevice::Create(library, home, 2, clock, b_options);
  ASSERT_TRUE(a && b);

  a->Exec("INSERT INTO todos VALUES('t1', 'one', 0, coven_hlc())");
  a->Exec("INSERT INTO todos VALUES('t2', 'two', 0, coven_hlc())");
  a->Exec("DELETE FROM todos WHERE id = 't2'");
  auto report = a->Sync();
  {
    std::lock_guard<std::mutex> lock(plan_a->mutex);
    ASSERT_EQ(plan_a->pushed.size(), 2u);
    std::map<std::string, RowChange> by_id;
    for (const RowChange& c : plan_a->pushed) by_id[c.id] = c;
    EXPECT_EQ(by_id["t1"].op, RowChange::Op::kUpsert);
    EXPECT_EQ(by_id["t2"].op, RowChange::Op::kDelete);
    for (const RowChange& c : plan_a->pushed) {
      EXPECT_FALSE(c.remote);
      EXPECT_EQ(c.table, "todos");
      EXPECT_FALSE(c.updated_at.empty());
    }
    EXPECT_TRUE(plan_a->pulled.empty());
  }
  // No blob store yet: a plan that names files hears so, once.
  EXPECT_TRUE(HasProblem(report, "named 1 file(s) (first: todo-files/t1)"))
      << ::testing::PrintToString(report.problems);
  EXPECT_FALSE(HasProblem(a->Sync(), "blob plan"));

  b->Sync();
  std::lock_guard<std::mutex> lock(plan_b->mutex);
  ASSERT_FALSE(plan_b->pulled.empty());
  for (const RowChange& c : plan_b->pulled) EXPECT_TRUE(c.remote);
  EXPECT_EQ(plan_b->pulled.front().id, "t1");
}

TEST(ReferenceApiTest, ConfigProviderIsConsultedEveryRound) {
  auto home = home::MemoryHome::Create();
  TestLibrary library = MakeLibrary(32);
  auto clock = std::make_shared<ManualClock>(1'700'000'000'000);
  auto calls = std::make_shared<std::atomic<int>>(0);
  auto limit = std::make_shared<std::atomic<std::uint64_t>>(64ull << 20);
  TestDevice::Options options;
  options.on_config = [calls, limit](config::Config& c) {
    ++*calls;
    c.max_object_bytes = *limit;
  };
  auto a = TestDevice::Create(library, home, 1, clock, options);
  ASSERT_TRUE(a);
  const int at_create = calls->load();
  a->Sync();
  a->Sync();
  EXPECT_EQ(calls->load(), at_create + 2);

  // A limit lowered between rounds holds from the next round on.
  *limit = 100;
  a->Exec("INSERT INTO todos VALUES('t1', 'one', 0, coven_hlc())");
  auto refused = a->manager().sync_now();
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("max_object_bytes (100)"),
            std::string::npos)
      << refused.status().ToString();
  *limit = 64ull << 20;
  EXPECT_EQ(a->Sync().pushed_objects, 1u);
}

TEST(ReferenceApiTest, ChangedHomeNeedsANewManagerAndSaysSo) {
  auto home = home::MemoryHome::Create();
  auto other = home::MemoryHome::Create();
  TestLibrary library = MakeLibrary(33);
  auto clock = std::make_shared<ManualClock>(1'700'000'000'000);
  auto swapped = std::make_shared<std::atomic<bool>>(false);
  TestDevice::Options options;
  options.on_config = [swapped, other](config::Config& c) {
    if (*swapped) c.home = other;
  };
  auto a = TestDevice::Create(library, home, 1, clock, options);
  ASSERT_TRUE(a);
  EXPECT_FALSE(HasProblem(a->Sync(), "configuration changed"));
  *swapped = true;
  a->Exec("INSERT INTO todos VALUES('t1', 'one', 0, coven_hlc())");
  auto report = a->Sync();
  EXPECT_TRUE(HasProblem(report, "configuration changed the home"))
      << ::testing::PrintToString(report.problems);
  // Still the home it was built on, and said once.
  EXPECT_EQ(report.pushed_objects, 1u);
  EXPECT_FALSE(other->List("log/", "", 10)->objects.size() > 0);
  EXPECT_FALSE(HasProblem(a->Sync(), "configuration changed"));
}

}  // namespace
}  // namespace coven::testing
