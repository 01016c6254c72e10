// The hub home's hint stream when the hub goes away and comes back: a Wait
// in progress ends with the stream's error (the caller polls meanwhile), and
// the stream is reopened with backoff on the host's clock, so a manual clock
// decides when, with no real sleep in the library.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <future>

#include "coven/home_url.h"
#include "coven/remote.h"
#include "coven/testing/manual_clock.h"
#include "home/home_layout.h"
#include "hub/hub_server.h"
#include "member_log_builder.h"
#include "sync/home_credentials.h"
#include "test_servers.h"
#include "util/child_process.h"

namespace coven::hub {
namespace {

using ::coven::members::testing::Chain;
using ::coven::members::testing::KeyPair;
using std::chrono::seconds;

std::uint64_t HintDeviceOf(const std::string& name) {
  return crypto::DeviceIdFor(KeyPair(name).public_key());
}

home::HomeRef Open(int port, const std::string& device, clock::ClockRef clock) {
  home::HomeUrlContext context;
  context.credentials =
      sync::CredentialsFromKeys(KeyPair(device), members::MemberIdentity());
  context.clock = std::move(clock);
  Result<home::HomeRef> home =
      home::OpenHomeUrl("hub://127.0.0.1:" + std::to_string(port) +
                            "/reconnect?plaintext=1&timeout_ms=5000&attempts=1",
                        context);
  EXPECT_TRUE(home.ok()) << home.status().ToString();
  return home.ok() ? *home : nullptr;
}

// A1 publishes its log object `seq` and its head.
void Publish(remote::Remote& a, std::uint64_t seq) {
  const std::string head = home::layout::HeadPath(HintDeviceOf("alice.d1"));
  remote::Published done = a.Publish(
      {{home::layout::LogPath(HintDeviceOf("alice.d1"), seq), AsBytes("a")}},
      remote::Outgoing{head, AsBytes("head " + std::to_string(seq))});
  ASSERT_TRUE(done.status.ok()) << done.status.ToString();
}

TEST(HubHintReconnectTest, BrokenStreamEndsTheWaitAndReopensOnTheHostsClock) {
  ASSERT_TRUE(crypto::EnsureSodium().ok());
  testing::TempDir data("hub-reconnect");
  auto hub = coven::testing::StartHubProcess(data.path(), 0);
  ASSERT_TRUE(hub.ok()) << hub.status().ToString();
  const int port = (*hub)->port();
  Chain chain;
  chain.Genesis().AddDevice("alice", "alice", "alice.d2");
  home::HomeRef a_home = Open(port, "alice.d1", nullptr);
  ASSERT_NE(a_home, nullptr);
  ASSERT_TRUE(a_home->Create("coven-library.json", AsBytes("{}\n")).ok());
  for (std::uint64_t slot = 1; slot <= 2; ++slot) {
    Status wrote =
        a_home->Create(home::layout::MemberSlotPath(slot), chain.slot(slot));
    ASSERT_TRUE(wrote.ok()) << wrote.ToString();
  }
  auto clock = std::make_shared<coven::testing::ManualClock>();
  home::HomeRef b_home = Open(port, "alice.d2", clock);
  ASSERT_NE(b_home, nullptr);
  remote::RemoteRef a = remote::RemoteFor(a_home);
  remote::RemoteRef b = remote::RemoteFor(b_home);
  ASSERT_TRUE(b->ListHeads(HintDeviceOf("alice.d2"), 100).ok());
  // Every Wait below is far from its deadline on B's clock.
  const std::int64_t far = clock->NowMillis() + 30LL * 24 * 3'600'000;

  // A Wait of B's that did not end in time is cancelled, so that a failing
  // test ends instead of waiting a month of B's clock.
  auto settled = [&](std::future<Result<remote::WaitOutcome>>& wait) {
    if (wait.wait_for(seconds(10)) == std::future_status::ready) return true;
    b->CancelWait();
    wait.wait();
    return false;
  };

  // The stream is up: A's push wakes B.
  auto first =
      std::async(std::launch::async, [&] { return b->WaitForChange(far); });
  Publish(*a, 1);
  ASSERT_TRUE(settled(first)) << "A's push did not wake B";
  Result<remote::WaitOutcome> seen = first.get();
  ASSERT_TRUE(seen.ok()) << seen.status().ToString();
  ASSERT_EQ(*seen, remote::WaitOutcome::kChanged);

  // The hub dies while B waits: the wait ends with the stream's error at
  // once, not at its deadline a month of B's clock away.
  auto broken =
      std::async(std::launch::async, [&] { return b->WaitForChange(far); });
  ::kill((*hub)->pid(), SIGKILL);
  (*hub)->Stop();
  ASSERT_TRUE(settled(broken)) << "a Wait went on after the hint stream broke";
  seen = broken.get();
  EXPECT_EQ(seen.status().code(), StatusCode::kUnavailable)
      << seen.status().ToString();

  // The stream waits to reopen on B's clock, which has not moved: a wait
  // with a near deadline (the Waits' deadlines are all `far`).
  bool backoff = false;
  for (std::uint64_t n = 1; !backoff; ++n) {
    std::optional<std::int64_t> deadline = clock->AwaitWaiter(n, seconds(10));
    if (!deadline) break;
    backoff = *deadline < far;
  }
  ASSERT_TRUE(backoff)
      << "the hint stream's backoff does not wait on the host's clock";
  hub = coven::testing::StartHubProcess(data.path(), port);
  ASSERT_TRUE(hub.ok()) << hub.status().ToString();
  a_home = Open(port, "alice.d1", nullptr);
  a = remote::RemoteFor(a_home);
  Publish(*a, 2);
  EXPECT_EQ(b->WaitForChange(far).status().code(), StatusCode::kUnavailable)
      << "the stream reopened before B's clock moved";

  // Moving B's clock past each backoff reopens it (gRPC may need a few tries
  // to reconnect its channel); the first hint tells of A's second push.
  bool changed = false;
  const auto until = std::chrono::steady_clock::now() + seconds(30);
  while (!changed && std::chrono::steady_clock::now() < until) {
    clock->Advance(10'000);
    Result<remote::WaitOutcome> again = b->WaitForChange(far);
    changed = again.ok() && *again == remote::WaitOutcome::kChanged;
    if (!changed) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(changed) << "the hint stream never reopened";
}

}  // namespace
}  // namespace coven::hub
