// Sync through real network homes: two devices sharing todos, reduced seeds
// of the convergence property, and the cost of an idle poll, each through an
// S3 home (s3rver), a WebDAV home (rclone serve webdav) and an rclone home
// (rclone rcd over a local remote).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <iostream>

#include "convergence_simulation.h"
#include "coven/rclone_home.h"
#include "coven/s3_home.h"
#include "coven/testing/counting_home.h"
#include "coven/webdav_home.h"
#include "home_test_limits.h"
#include "test_device.h"
#include "test_servers.h"

namespace coven::testing {
namespace {

struct Provider {
  std::string name;
  std::function<home::HomeRef()> make_fresh_home;
};

void PrintTo(const Provider& provider, std::ostream* out) {
  *out << provider.name;
}

home::HomeRef Checked(Result<home::HomeRef> home) {
  if (!home.ok()) {
    ADD_FAILURE() << home.status().ToString();
    return nullptr;
  }
  return *home;
}

home::HomeRef FreshS3Home() {
  TestServer* server = SharedS3rver();
  if (server == nullptr) return nullptr;
  home::S3HomeOptions options;
  options.endpoint = server->endpoint();
  options.bucket = "home";
  options.prefix = "sync/" + UniqueName("s3");
  options.credentials = {kS3rverAccessKey, kS3rverSecretKey, ""};
  options.server_sorted_list = false;
  options.atomic_replace = false;
  auto home = home::S3Home::Open(options);
  return home.ok() ? Checked(home::HomeRef(*home)) : Checked(home.status());
}

home::HomeRef FreshWebDavHome() {
  TestServer* server = SharedWebDav();
  if (server == nullptr) return nullptr;
  home::WebDavHomeOptions options;
  options.url = server->endpoint() + "/" + UniqueName("sync");
  options.user = kWebDavUser;
  options.password = kWebDavPassword;
  auto home = home::WebDavHome::Open(options);
  return home.ok() ? Checked(home::HomeRef(*home)) : Checked(home.status());
}

home::HomeRef FreshRcloneHome() {
  auto dir = std::make_shared<TempDir>("rclone-sync");
  home::RcloneHomeOptions options;
  options.remote = ":local:" + dir->path();
  options.rclone = "/usr/bin/rclone";
  options.config_path = "/dev/null";
  auto home = home::RcloneHome::Open(options);
  if (!home.ok()) return Checked(home.status());
  std::shared_ptr<home::RcloneHome> owner = *home;
  return home::HomeRef(owner.get(), [owner, dir](home::Home*) mutable {
    owner.reset();
    dir.reset();
  });
}

class CloudSyncTest : public ::testing::TestWithParam<Provider> {};

TEST_P(CloudSyncTest, TwoDevicesShareTodos) {
  home::HomeRef home = GetParam().make_fresh_home();
  ASSERT_NE(home, nullptr);
  const TestLibrary library = MakeLibrary(11);
  auto clock = std::make_shared<ManualClock>(1'700'000'000'000);
  auto a = TestDevice::Create(library, home, 1, clock);
  auto b = TestDevice::Create(library, home, 2, clock);
  ASSERT_TRUE(a && b);
  a->Exec("INSERT INTO todos VALUES('t1', 'buy milk', 0, coven_hlc())");
  a->Exec("INSERT INTO todos VALUES('t2', 'walk dog', 0, coven_hlc())");
  EXPECT_EQ(a->Sync().pushed_objects, 1u);
  EXPECT_EQ(b->Sync().pulled_objects, 1u);
  EXPECT_EQ(b->Dump("todos", false),
            (std::vector<std::string>{"t1|buy milk|0", "t2|walk dog|0"}));
  clock->Advance(10);
  b->Exec(
      "UPDATE todos SET completed = 1, _updated_at = coven_hlc() "
      "WHERE id = 't1'");
  b->Exec("DELETE FROM todos WHERE id = 't2'");
  b->Sync();
  a->Sync();
  EXPECT_EQ(a->Dump("todos", false), std::vector<std::string>{"t1|buy milk|1"});
  EXPECT_EQ(a->Dump("todos"), b->Dump("todos"));
}

TEST_P(CloudSyncTest, ConvergencePropertySeeds) {
  const char* env = std::getenv("COVEN_CLOUD_SEEDS");
  const int seeds = env ? std::atoi(env) : 2;
  for (int seed = 1; seed <= seeds; ++seed) {
    home::HomeRef home = GetParam().make_fresh_home();
    ASSERT_NE(home, nullptr);
    RunConvergenceSeed(static_cast<std::uint64_t>(seed), 60, home);
    ASSERT_FALSE(HasFailure()) << GetParam().name << " seed " << seed;
    // The replicas really went through this home.
    auto logs = home::ListAll(*home, "log/", kTestMaxList);
    ASSERT_TRUE(logs.ok()) << logs.status().ToString();
    EXPECT_GE(logs->size(), 2u);
  }
}

// An idle poll (nothing new anywhere) costs each device a few small list and
// head requests, growing at most linearly with the number of devices, and
// never a log object GET.
TEST_P(CloudSyncTest, IdlePollIsCheap) {
  home::HomeRef shared = GetParam().make_fresh_home();
  ASSERT_NE(shared, nullptr);
  const TestLibrary library = MakeLibrary(12);
  auto clock = std::make_shared<ManualClock>(1'700'000'000'000);
  for (int devices : {2, 4}) {
    std::vector<std::shared_ptr<testing::CountingHome>> counters;
    std::vector<std::unique_ptr<TestDevice>> fleet;
    for (int i = 0; i < devices; ++i) {
      counters.push_back(std::make_shared<testing::CountingHome>(shared));
      fleet.push_back(TestDevice::Create(library, counters.back(),
                                         100 * devices + i, clock));
      ASSERT_NE(fleet.back(), nullptr);
      fleet.back()->Exec("INSERT INTO todos VALUES('d" +
                         std::to_string(100 * devices + i) +
                         "', 'x', 0, coven_hlc())");
    }
    for (int round = 0; round < 2; ++round) {
      for (auto& device : fleet) device->Sync();
    }
    for (auto& counter : counters) counter->Reset();
    const auto start = std::chrono::steady_clock::now();
    for (auto& device : fleet) device->Sync();
    const auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - start);
    std::cout << "[ idle poll ] " << GetParam().name << " devices=" << devices
              << " round_ms_per_device=" << elapsed.count() / 1000.0 / devices
              << "\n";
    for (int i = 0; i < devices; ++i) {
      testing::CallCounts counts = counters[i]->counts();
      std::string detail;
      for (const auto& [key, value] : counts.by_folder) {
        detail += " " + key + "=" + std::to_string(value);
      }
      std::cout << "[ idle poll ] " << GetParam().name << " devices=" << devices
                << " device=" << i << " requests=" << counts.total() << detail
                << "\n";
      EXPECT_EQ(counts.by_folder["get log"], 0u) << detail;
      EXPECT_EQ(counts.by_folder["get_range log"], 0u) << detail;
      EXPECT_EQ(counts.creates + counts.replaces, 0u) << detail;
      // Total devices ever on this home: 2 + 4.
      EXPECT_LE(counts.total(), 2u * 6 + 2) << detail;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Homes, CloudSyncTest,
                         ::testing::Values(Provider{"S3", FreshS3Home},
                                           Provider{"WebDav", FreshWebDavHome},
                                           Provider{"Rclone", FreshRcloneHome}),
                         [](const ::testing::TestParamInfo<Provider>& info) {
                           return info.param.name;
                         });

}  // namespace
}  // namespace coven::testing
