// The background loop on the injected clock: while the home is unplugged
// the loop retries at exponential, capped, jittered backoff times that the
// manual clock shows, and once the home is back the next round syncs the
// writes made meanwhile. No real sleeps: the test waits for the loop with
// ManualClock::AwaitWaiter and the observer, and moves the clock itself.
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>

#include "coven/config.h"
#include "coven/memory_home.h"
#include "coven/sync_manager.h"
#include "coven/testing/fault_home.h"
#include "coven/testing/manual_clock.h"
#include "test_device.h"

namespace coven::testing {
namespace {

using sync::sync_manager::SyncManager;
using sync::sync_manager::SyncObserver;
using sync::sync_manager::SyncReport;

// Records every round the loop finishes.
class RoundLog : public SyncObserver {
 public:
  void on_round(const SyncReport& report, const Status& status) override {
    std::lock_guard<std::mutex> lock(mutex_);
    rounds_.push_back({report, status});
    done_.notify_all();
  }
  // The `n`th round (from 1), once it has finished; fails the test after a
  // minute of real time (a safety net, never reached by a working loop).
  std::pair<SyncReport, Status> Await(std::size_t n) {
    std::unique_lock<std::mutex> lock(mutex_);
    const bool done = done_.wait_for(lock, std::chrono::seconds(60),
                                     [&] { return rounds_.size() >= n; });
    EXPECT_TRUE(done) << "round " << n << " never finished";
    if (!done) return {SyncReport{}, InternalError("no round")};
    return rounds_[n - 1];
  }
  std::size_t count() {
    std::lock_guard<std::mutex> lock(mutex_);
    return rounds_.size();
  }

 private:
  std::mutex mutex_;
  std::condition_variable done_;
  std::vector<std::pair<SyncReport, Status>> rounds_;
};

struct Device {
  std::shared_ptr<db::SqliteSyncDb> db;
  std::unique_ptr<SyncManager> manager;
};

Device MakeDevice(const TestLibrary& library, home::HomeRef home,
                  std::shared_ptr<ManualClock> clock, EntropyRef loop_entropy,
                  std::shared_ptr<SyncObserver> observer) {
  Device device;
  auto db = db::SqliteSyncDb::Open(":memory:");
  EXPECT_TRUE(db.ok());
  if (!db.ok()) return device;
  device.db = *db;
  EXPECT_EQ(sqlite3_exec(device.db->raw_write_handle(), kTodoSchema, nullptr,
                         nullptr, nullptr),
            SQLITE_OK);
  auto key_entropy = std::make_shared<SeededEntropy>(77);
  keys::KeyService key_service(/*dev_mode=*/true, library.id_hex, "",
                               key_entropy);
  EXPECT_TRUE(key_service.import_encryption_key(library.key).ok());
  EXPECT_TRUE(key_service.import_member_seed(library.member_seed).ok());
  config::Config config =
      config::Config::with_defaults("", "unplugged", std::nullopt);
  config.home = std::move(home);
  config.entropy = std::move(loop_entropy);
  config.synced_tables = {"todos", "todo_notes"};
  config.sync_interval_ms = 60'000;
  config.retry_base_ms = 500;
  config.retry_max_ms = 4'000;
  sync::sync_manager::SyncManagerOptions options;
  options.observer = std::move(observer);
  auto manager = SyncManager::Create([config] { return config; }, key_service,
                                     encryption::EncryptionService(library.key),
                                     device.db, clock, std::move(options));
  EXPECT_TRUE(manager.ok()) << manager.status().ToString();
  if (manager.ok()) device.manager = std::move(*manager);
  return device;
}

TEST(SyncLoopBackoffTest, RetriesOnTheClockThenSyncsPendingWrites) {
  auto memory = home::MemoryHome::Create();
  home::FaultOptions unplugged;
  unplugged.error_rate = 1.0;
  auto home = std::make_shared<home::FaultHome>(memory, unplugged);
  home->set_enabled(false);  // plugged in while the device starts
  const TestLibrary library = MakeLibrary(41);
  auto clock = std::make_shared<ManualClock>(1'700'000'000'000);
  auto rounds = std::make_shared<RoundLog>();
  constexpr std::uint64_t kLoopSeed = 4242;
  Device a = MakeDevice(library, home, clock,
                        std::make_shared<SeededEntropy>(kLoopSeed), rounds);
  ASSERT_NE(a.manager, nullptr);
  // Plugged in for the first round, by hand: the library is founded.
  ASSERT_TRUE(a.manager->sync_now().ok());
  const std::size_t before = rounds->count();
  // Unplugged; a write is made that can only leave once it is back.
  home->set_enabled(true);
  ASSERT_EQ(sqlite3_exec(a.db->raw_write_handle(),
                         "INSERT INTO todos VALUES('t1', 'pending', 0, "
                         "coven_hlc())",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);

  a.manager->start_sync();
  // The loop draws its jitter from the injected entropy, and nothing else
  // draws from it: the same seed gives the waits it must choose.
  SeededEntropy expected(kLoopSeed);
  const std::vector<std::int64_t> ceilings = {500, 1000, 2000, 4000, 4000};
  std::int64_t now = clock->NowMillis();
  for (std::size_t k = 1; k <= ceilings.size(); ++k) {
    auto [report, status] = rounds->Await(before + k);
    EXPECT_FALSE(status.ok()) << "round " << k << " reached the home";
    std::optional<std::int64_t> deadline = clock->AwaitWaiter(k);
    ASSERT_TRUE(deadline.has_value()) << "the loop never waited on the clock";
    const std::int64_t wait = *deadline - now;
    EXPECT_GE(wait, 0) << "retry " << k;
    EXPECT_LE(wait, ceilings[k - 1]) << "retry " << k;
    EXPECT_EQ(wait, static_cast<std::int64_t>(expected.Uniform(
                        static_cast<std::uint64_t>(ceilings[k - 1]) + 1)))
        << "retry " << k;
    // Real time does not end the wait: no round runs until the clock moves.
    EXPECT_EQ(rounds->count(), before + k);
    now = *deadline;
    clock->Set(now);
  }
  // The next round (at the last deadline) fails too; then the home is back.
  rounds->Await(before + ceilings.size() + 1);
  std::optional<std::int64_t> last = clock->AwaitWaiter(ceilings.size() + 1);
  ASSERT_TRUE(last.has_value());
  EXPECT_LE(*last - now, 4000);
  home->set_enabled(false);
  clock->Set(*last);
  auto [report, status] = rounds->Await(before + ceilings.size() + 2);
  EXPECT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(report.pushed_objects, 1u);
  // After a success the loop polls again at the interval.
  std::optional<std::int64_t> poll = clock->AwaitWaiter(ceilings.size() + 2);
  ASSERT_TRUE(poll.has_value());
  EXPECT_EQ(*poll - *last, 60'000);
  EXPECT_TRUE(a.manager->stop().ok());

  // The pending write reached the home.
  auto b = TestDevice::Create(library, memory, 2, clock);
  ASSERT_NE(b, nullptr);
  b->Sync();
  EXPECT_EQ(b->Dump("todos", false), std::vector<std::string>{"t1|pending|0"});
}

// trigger_sync ends the wait at once and stop() ends the loop, whatever the
// clock says.
TEST(SyncLoopBackoffTest, TriggerAndStopWakeTheLoop) {
  auto home = home::MemoryHome::Create();
  const TestLibrary library = MakeLibrary(42);
  auto clock = std::make_shared<ManualClock>(1'700'000'000'000);
  auto rounds = std::make_shared<RoundLog>();
  Device a = MakeDevice(library, home, clock,
                        std::make_shared<SeededEntropy>(1), rounds);
  ASSERT_NE(a.manager, nullptr);
  a.manager->start_sync();
  EXPECT_TRUE(rounds->Await(1).second.ok());
  ASSERT_TRUE(clock->AwaitWaiter(1).has_value());
  a.manager->trigger_sync();
  EXPECT_TRUE(rounds->Await(2).second.ok());
  ASSERT_TRUE(clock->AwaitWaiter(2).has_value());
  EXPECT_TRUE(a.manager->stop().ok());
  EXPECT_EQ(rounds->count(), 2u);
}

}  // namespace
}  // namespace coven::testing
