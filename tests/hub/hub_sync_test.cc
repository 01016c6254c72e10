// Devices syncing through a real coven-hub, end to end: each opens
// hub://127.0.0.1:PORT/SPACE with its own keys (as a library does), the
// first one makes the space the library's home, and changes flow both ways;
// a device's background loop picks another's push up from the hub's hint,
// without polling.
//
// The founder seals the first library key to itself (keys/<key id>/<recipient>)
// before it appends the genesis, which the hub admits from a founder.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "hub/hub_server.h"
#include "test_device.h"

namespace coven::testing {
namespace {

class HubSyncTest : public ::testing::Test {
 protected:
  void SetUp() override {
    hub_ = SharedHub();
    ASSERT_NE(hub_, nullptr);
    url_ = hub_->Url(UniqueSpace("sync"), "&timeout_ms=5000");
    library_ = MakeLibrary(41);
    clock_ = std::make_shared<ManualClock>();
  }

  std::unique_ptr<TestDevice> Device(std::uint64_t seed, bool first) {
    TestDevice::Options options;
    options.home_url = url_;
    options.create_home = first;
    return TestDevice::Create(library_, nullptr, seed, clock_, options);
  }

  HubServer* hub_ = nullptr;
  std::string url_;
  TestLibrary library_;
  std::shared_ptr<ManualClock> clock_;
};

TEST_F(HubSyncTest, TwoDevicesSyncBothWays) {
  auto a = Device(1, /*first=*/true);
  ASSERT_NE(a, nullptr);
  a->Exec("INSERT INTO todos VALUES('t1', 'from a', 0, coven_hlc())");
  a->Sync();
  auto b = Device(2, /*first=*/false);
  ASSERT_NE(b, nullptr);
  b->Sync();
  EXPECT_EQ(b->Dump("todos", false), std::vector<std::string>{"t1|from a|0"});
  b->Exec("INSERT INTO todos VALUES('t2', 'from b', 0, coven_hlc())");
  b->Exec(
      "UPDATE todos SET completed = 1, _updated_at = coven_hlc() "
      "WHERE id = 't1'");
  b->Sync();
  a->Sync();
  EXPECT_EQ(a->Dump("todos", false),
            (std::vector<std::string>{"t1|from a|1", "t2|from b|0"}));
  EXPECT_EQ(a->Dump("todos"), b->Dump("todos"));
  EXPECT_TRUE(a->manager().status().last_error.empty())
      << a->manager().status().last_error;
}

TEST_F(HubSyncTest, BackgroundLoopWakesOnAnotherDevicesPush) {
  auto a = Device(3, /*first=*/true);
  ASSERT_NE(a, nullptr);
  a->Sync();
  auto b = Device(4, /*first=*/false);
  ASSERT_NE(b, nullptr);
  b->Sync();
  // B's loop runs a round, then waits for a hint; the manual clock never
  // moves, so only a hint can wake it.
  b->manager().start_sync();
  ASSERT_TRUE(clock_->AwaitWaiter(1).has_value());
  a->Exec("INSERT INTO todos VALUES('live', 'pushed', 0, coven_hlc())");
  a->Sync();
  const auto pushed = std::chrono::steady_clock::now();
  const auto until = pushed + std::chrono::seconds(10);
  bool arrived = false;
  while (!arrived && std::chrono::steady_clock::now() < until) {
    arrived =
        b->Dump("todos", false) == std::vector<std::string>{"live|pushed|0"};
    if (!arrived) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  const auto latency = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - pushed);
  const std::string b_error = b->manager().status().last_error;
  ASSERT_TRUE(b->manager().stop().ok());
  ASSERT_TRUE(arrived) << "B's loop never applied A's push; B's last error: "
                       << b_error;
  std::printf("hub end-to-end: B applied A's push %lld ms after it returned\n",
              static_cast<long long>(latency.count()));
  EXPECT_LT(latency.count(), 2'000);
}

}  // namespace
}  // namespace coven::testing
