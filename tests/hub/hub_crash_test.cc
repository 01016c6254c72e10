// kill -9 of the coven-hub program under load: no acknowledged object is
// lost, none is stored twice, and clients resume on their own once it is
// back (claw-sync scenarios 9 and 10: hub down, crash after commit).
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "hub/hub_server.h"
#include "hub_test_util.h"
#include "util/child_process.h"
#include "wire_client.h"

namespace coven::hub::testing {
namespace {

using SteadyClock = std::chrono::steady_clock;

TEST(HubCrashTest, Kill9UnderLoadLosesNothingAcknowledgedAndClientsResume) {
  ASSERT_TRUE(crypto::EnsureSodium().ok());
  TempDir data;
  auto hub = coven::testing::StartHubProcess(data.path(), 0);
  ASSERT_TRUE(hub.ok()) << hub.status().ToString();
  const int port = (*hub)->port();
  WireClient client(port);
  Chain chain;
  chain.Genesis()
      .AddDevice("alice", "alice", "alice.d2")
      .AddDevice("alice", "alice", "alice.d3");
  client.Found("todos", chain);
  constexpr int kWriters = 3;
  std::vector<std::string> tokens;
  for (int w = 1; w <= kWriters; ++w) {
    tokens.push_back(
        client.MustRegister("todos", "alice.d" + std::to_string(w)));
  }
  std::atomic<bool> stop{false};
  std::vector<std::atomic<std::uint64_t>> acked(kWriters);
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      WireClient own(port);
      const std::string name = "alice.d" + std::to_string(w + 1);
      std::uint64_t seq = 0;
      while (!stop.load()) {
        // The same bytes again after a failure: the hub must take a retry
        // of what it stored before the crash as already had.
        grpc::Status status = own.Push(tokens[w],
                                       {{WireClient::LogPath(name, seq + 1),
                                         name + "#" + std::to_string(seq + 1)}},
                                       WireClient::HeadPath(name),
                                       "head " + std::to_string(seq + 1));
        if (status.ok()) {
          acked[w] = ++seq;
        } else {
          EXPECT_TRUE(status.error_code() == grpc::StatusCode::UNAVAILABLE ||
                      status.error_code() ==
                          grpc::StatusCode::DEADLINE_EXCEEDED)
              << status.error_code() << " " << status.error_message();
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
      }
    });
  }
  for (int crash = 0; crash < 3; ++crash) {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    ::kill((*hub)->pid(), SIGKILL);
    (*hub)->Stop();  // reaps it
    std::vector<std::uint64_t> at_crash;
    for (auto& a : acked) at_crash.push_back(a.load());
    hub = coven::testing::StartHubProcess(data.path(), port);
    ASSERT_TRUE(hub.ok()) << hub.status().ToString();
    // Every writer resumes by itself (its token still verifies: the token
    // key lives in the store).
    const auto deadline = SteadyClock::now() + std::chrono::seconds(20);
    bool resumed = false;
    while (!resumed && SteadyClock::now() < deadline) {
      resumed = true;
      for (int w = 0; w < kWriters; ++w) {
        resumed = resumed && acked[w].load() >= at_crash[w] + 3;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_TRUE(resumed) << "writers did not resume after crash " << crash;
  }
  stop = true;
  for (std::thread& t : writers) t.join();
  for (int w = 0; w < kWriters; ++w) {
    const std::string name = "alice.d" + std::to_string(w + 1);
    std::vector<v1::PulledObject> objects;
    ASSERT_TRUE(
        client.PullAll(tokens[0], WireClient::DeviceId(name), 0, &objects)
            .ok());
    ASSERT_GE(objects.size(), acked[w].load())
        << name << ": acknowledged objects lost";
    for (std::size_t i = 0; i < objects.size(); ++i) {
      EXPECT_EQ(objects[i].seq(), i + 1);
      EXPECT_EQ(objects[i].data(), name + "#" + std::to_string(i + 1));
    }
  }
}

}  // namespace
}  // namespace coven::hub::testing
