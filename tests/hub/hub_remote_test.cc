// The hub's native Remote against a real coven-hub: heads, pulls, one
// all-or-nothing publish, and live hints (WaitForChange) with their latency.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <future>

#include "coven/home_url.h"
#include "coven/remote.h"
#include "home/home_layout.h"
#include "hub/hub_server.h"
#include "member_log_builder.h"
#include "sync/home_credentials.h"

namespace coven::hub {
namespace {

using ::coven::members::testing::Chain;
using ::coven::members::testing::KeyPair;

std::uint64_t RemoteDeviceOf(const std::string& name) {
  return crypto::DeviceIdFor(KeyPair(name).public_key());
}

std::string RemoteLog(const std::string& device, std::uint64_t seq) {
  return home::layout::LogPath(RemoteDeviceOf(device), seq);
}

std::int64_t RealNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class HubRemoteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    hub_ = ::coven::testing::SharedHub();
    ASSERT_NE(hub_, nullptr);
    space_ = ::coven::testing::UniqueSpace("remote");
    chain_.Genesis().AddDevice("alice", "alice", "alice.d2");
    a_ = Open("alice.d1");
    ASSERT_NE(a_, nullptr);
    ASSERT_TRUE(a_->Create("coven-library.json", AsBytes("{}\n")).ok());
    for (std::uint64_t slot = 1; slot <= 2; ++slot) {
      Status wrote =
          a_->Create(home::layout::MemberSlotPath(slot), chain_.slot(slot));
      ASSERT_TRUE(wrote.ok()) << wrote.ToString();
    }
    b_ = Open("alice.d2");
    ASSERT_NE(b_, nullptr);
  }

  home::HomeRef Open(const std::string& device) {
    home::HomeUrlContext context;
    context.credentials =
        sync::CredentialsFromKeys(KeyPair(device), members::MemberIdentity());
    Result<home::HomeRef> home =
        home::OpenHomeUrl(hub_->Url(space_, "&timeout_ms=5000"), context);
    EXPECT_TRUE(home.ok()) << home.status().ToString();
    return home.ok() ? *home : nullptr;
  }

  ::coven::testing::HubServer* hub_ = nullptr;
  std::string space_;
  Chain chain_;
  home::HomeRef a_;
  home::HomeRef b_;
};

TEST_F(HubRemoteTest, PublishListHeadsAndFetch) {
  remote::RemoteRef a = remote::RemoteFor(a_);
  remote::RemoteRef b = remote::RemoteFor(b_);
  const std::string objects[] = {"one", "two", "three"};
  std::vector<remote::Outgoing> out;
  for (std::uint64_t seq = 1; seq <= 3; ++seq) {
    out.push_back({RemoteLog("alice.d1", seq), AsBytes(objects[seq - 1])});
  }
  const std::string head_path =
      home::layout::HeadPath(RemoteDeviceOf("alice.d1"));
  remote::Published published =
      a->Publish(out, remote::Outgoing{head_path, AsBytes("head of a")});
  ASSERT_TRUE(published.status.ok()) << published.status.ToString();
  EXPECT_EQ(published.objects, 3u);
  EXPECT_TRUE(published.head);

  // B sees A's head with its bytes; A sees its own, unread.
  Result<std::vector<remote::Head>> heads =
      b->ListHeads(RemoteDeviceOf("alice.d2"), 100);
  ASSERT_TRUE(heads.ok()) << heads.status().ToString();
  ASSERT_EQ(heads->size(), 1u);
  EXPECT_EQ((*heads)[0].path, head_path);
  EXPECT_EQ((*heads)[0].device, RemoteDeviceOf("alice.d1"));
  EXPECT_TRUE((*heads)[0].status.ok());
  EXPECT_EQ(AsString((*heads)[0].bytes), "head of a");
  Result<std::vector<remote::Head>> own =
      a->ListHeads(RemoteDeviceOf("alice.d1"), 100);
  ASSERT_TRUE(own.ok());
  ASSERT_EQ(own->size(), 1u);
  EXPECT_EQ((*own)[0].status.code(), StatusCode::kCancelled);
  EXPECT_EQ(b->ListHeads(0, 0).status().code(), StatusCode::kResourceExhausted);

  remote::FetchRequest request;
  request.author = RemoteDeviceOf("alice.d1");
  request.after_seq = 1;
  request.through_seq = 3;
  Result<std::vector<remote::LogObject>> fetched = b->FetchLog(request);
  ASSERT_TRUE(fetched.ok()) << fetched.status().ToString();
  ASSERT_EQ(fetched->size(), 2u);
  EXPECT_EQ((*fetched)[0].seq, 2u);
  EXPECT_EQ((*fetched)[0].path, RemoteLog("alice.d1", 2));
  EXPECT_EQ(AsString((*fetched)[0].bytes), "two");
  EXPECT_EQ(AsString((*fetched)[1].bytes), "three");
  // Too large for the request: reported, not read.
  request.after_seq = 0;
  request.max_object_bytes = 3;
  request.max_objects = 3;
  fetched = b->FetchLog(request);
  ASSERT_TRUE(fetched.ok()) << fetched.status().ToString();
  ASSERT_EQ(fetched->size(), 3u);
  EXPECT_TRUE((*fetched)[0].status.ok());
  EXPECT_EQ((*fetched)[2].status.code(), StatusCode::kResourceExhausted);
  EXPECT_TRUE((*fetched)[2].bytes.empty());
  // Past what the hub holds: the first missing object says so.
  request.after_seq = 3;
  request.through_seq = 5;
  request.max_object_bytes = 1 << 20;
  fetched = b->FetchLog(request);
  ASSERT_TRUE(fetched.ok()) << fetched.status().ToString();
  ASSERT_EQ(fetched->size(), 1u);
  EXPECT_EQ((*fetched)[0].seq, 4u);
  EXPECT_EQ((*fetched)[0].status.code(), StatusCode::kNotFound);
}

TEST_F(HubRemoteTest, PublishIsAllOrNothing) {
  remote::RemoteRef a = remote::RemoteFor(a_);
  ASSERT_TRUE(
      a->Publish({{RemoteLog("alice.d1", 1), AsBytes("one")}}, std::nullopt)
          .status.ok());
  // Seq 2 is new, seq 1 now holds other bytes: nothing is stored.
  remote::Published forked =
      a->Publish({{RemoteLog("alice.d1", 2), AsBytes("two")},
                  {RemoteLog("alice.d1", 1), AsBytes("1")}},
                 std::nullopt);
  EXPECT_EQ(forked.status.code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(forked.objects, 0u);
  EXPECT_EQ(a_->Get(RemoteLog("alice.d1", 2), 100).status().code(),
            StatusCode::kNotFound);
  // A retried publish of what is stored already succeeds.
  EXPECT_TRUE(
      a->Publish({{RemoteLog("alice.d1", 1), AsBytes("one")}}, std::nullopt)
          .status.ok());
}

TEST_F(HubRemoteTest, WaitForChangeSeesAnotherDevicesPushAtOnce) {
  remote::RemoteRef a = remote::RemoteFor(a_);
  remote::RemoteRef b = remote::RemoteFor(b_);
  // What B has seen: nothing of A yet. A quiet hub is no change.
  ASSERT_TRUE(b->ListHeads(RemoteDeviceOf("alice.d2"), 100).ok());
  Result<remote::WaitOutcome> quiet = b->WaitForChange(RealNowMs() + 300);
  ASSERT_TRUE(quiet.ok()) << quiet.status().ToString();
  EXPECT_EQ(*quiet, remote::WaitOutcome::kDeadline);
  // B's own push is no change for B either.
  ASSERT_TRUE(
      b->Publish({{RemoteLog("alice.d2", 1), AsBytes("b1")}}, std::nullopt)
          .status.ok());
  quiet = b->WaitForChange(RealNowMs() + 300);
  ASSERT_TRUE(quiet.ok()) << quiet.status().ToString();
  EXPECT_EQ(*quiet, remote::WaitOutcome::kDeadline);

  std::promise<std::int64_t> pushed_at;
  std::thread pusher([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    const std::string head = home::layout::HeadPath(RemoteDeviceOf("alice.d1"));
    remote::Published done =
        a->Publish({{RemoteLog("alice.d1", 1), AsBytes("a1")}},
                   remote::Outgoing{head, AsBytes("head")});
    EXPECT_TRUE(done.status.ok()) << done.status.ToString();
    pushed_at.set_value(RealNowMs());
  });
  Result<remote::WaitOutcome> seen = b->WaitForChange(RealNowMs() + 10'000);
  const std::int64_t woke_at = RealNowMs();
  pusher.join();
  ASSERT_TRUE(seen.ok()) << seen.status().ToString();
  EXPECT_EQ(*seen, remote::WaitOutcome::kChanged);
  const std::int64_t latency = woke_at - pushed_at.get_future().get();
  std::printf("hub hint latency: %lld ms after the push returned\n",
              static_cast<long long>(latency));
  // Within 100 ms on a quiet machine; a loaded CI runner gets 2 s.
  EXPECT_LT(latency, 2'000);
}

TEST_F(HubRemoteTest, CancelWaitEndsAWaitAtOnce) {
  remote::RemoteRef b = remote::RemoteFor(b_);
  ASSERT_TRUE(b->ListHeads(RemoteDeviceOf("alice.d2"), 100).ok());
  const std::int64_t start = RealNowMs();
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    b->CancelWait();
  });
  Result<remote::WaitOutcome> waited = b->WaitForChange(start + 30'000);
  canceller.join();
  ASSERT_TRUE(waited.ok()) << waited.status().ToString();
  EXPECT_EQ(*waited, remote::WaitOutcome::kDeadline);
  EXPECT_LT(RealNowMs() - start, 10'000);
}

}  // namespace
}  // namespace coven::hub
