// The convergence property (convergence_property_test.cc) through a real
// coven-hub, on each of its stores: five replicas, each opening the same
// hub:// space with its own keys, make random writes and syncs with skewed
// manual clocks, heal, and must match the LWW model.
//
// The replicas' clocks are manual; the hub's tokens and the client's token
// renewal run on real time, so nothing here waits on a manual clock.
//
// COVEN_HUB_SEEDS (default 2) sets the seeds per store; COVEN_HUB_SEED runs
// one.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>

#include "convergence_simulation.h"
#include "hub/hub_server.h"

namespace coven::testing {
namespace {

constexpr int kSteps = 60;

class HubConvergenceTest : public ::testing::TestWithParam<HubStore> {
 protected:
  // One seed in a fresh space of its own; false when it failed.
  bool RunSeed(HubServer& hub, std::uint64_t seed) {
    const auto start = std::chrono::steady_clock::now();
    RunConvergenceSeedAtUrl(seed, kSteps,
                            hub.Url(UniqueSpace("conv-" + std::to_string(seed)),
                                    "&timeout_ms=5000"));
    const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start);
    std::printf("[ hub convergence ] %s seed %llu: %lld ms\n",
                GetParam().name.c_str(), static_cast<unsigned long long>(seed),
                static_cast<long long>(elapsed.count()));
    if (!HasFailure()) return true;
    ADD_FAILURE() << "failing seed on " << GetParam().name << ": " << seed
                  << " (rerun with COVEN_HUB_SEED=" << seed
                  << " --gtest_filter='*HubConvergenceTest*" << GetParam().name
                  << "*')";
    return false;
  }
};

TEST_P(HubConvergenceTest, RandomHistoriesMatchTheModel) {
  HubServer* hub = GetParam().hub();
  ASSERT_NE(hub, nullptr);
  if (const char* one = std::getenv("COVEN_HUB_SEED")) {
    RunSeed(*hub, std::strtoull(one, nullptr, 10));
    return;
  }
  const char* env = std::getenv("COVEN_HUB_SEEDS");
  const int seeds = env ? std::atoi(env) : 2;
  for (int seed = 1; seed <= seeds; ++seed) {
    if (!RunSeed(*hub, static_cast<std::uint64_t>(seed))) return;
  }
}

INSTANTIATE_TEST_SUITE_P(Stores, HubConvergenceTest, EveryHubStore(),
                         HubStoreName);

}  // namespace
}  // namespace coven::testing
