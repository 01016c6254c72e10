// coven-hub over gRPC, in process on 127.0.0.1: live delivery, removal
// closing streams, paging, shutdown, refusals on the wire (the push limits
// are in hub_push_admission_test.cc).
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "coven/hlc.h"
#include "hub_server_fixture.h"

namespace coven::hub::testing {
namespace {

using SteadyClock = std::chrono::steady_clock;

using members::MemberRole;

TEST_F(HubServerTest, PlaintextOnlyWhenAskedFor) {
  server::HubServerOptions options;
  options.listen = "127.0.0.1:0";
  auto refused = server::HubServer::Start(store_, options);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("--plaintext"), std::string::npos);
}

TEST_F(HubServerTest, CallsWithoutATokenAreUnauthenticated) {
  pb::ListHeadsReply reply;
  grpc::Status status =
      stub()->ListHeads(Context("").get(), pb::ListHeadsRequest(), &reply);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(HubServerTest, ACommitReachesASubscriberWithin100Ms) {
  Chain chain;
  chain.Genesis().AddMember("alice.d1", "bob", MemberRole::Writer, "bob.d1");
  const std::string alice = Found("todos", chain);
  const std::string bob = Register("todos", "bob.d1");
  auto context = Context(bob);
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::seconds(30));
  auto reader = stub()->Subscribe(context.get(), pb::SubscribeRequest());
  pb::Hint hint;
  ASSERT_TRUE(reader->Read(&hint));  // the first hint: the current state
  std::vector<double> latencies;
  for (std::uint64_t seq = 1; seq <= 20; ++seq) {
    const auto start = SteadyClock::now();
    ASSERT_TRUE(Push(alice, {{LogPathOf("alice.d1", seq), "object"}}).ok());
    ASSERT_TRUE(reader->Read(&hint));
    latencies.push_back(
        std::chrono::duration<double, std::milli>(SteadyClock::now() - start)
            .count());
    ASSERT_EQ(hint.heads_size(), 1);
    EXPECT_EQ(hint.heads(0).log_seq(), seq);
  }
  std::sort(latencies.begin(), latencies.end());
  std::printf("push-to-hint latency over 20 pushes: p50 %.1f ms, max %.1f ms\n",
              latencies[10], latencies.back());
  // 100 ms is the goal on an idle machine; CI machines are shared.
  EXPECT_LT(latencies[10], 100.0);
  context->TryCancel();
}

TEST_F(HubServerTest, RemovingADeviceClosesItsStream) {
  Chain chain;
  chain.Genesis().AddDevice("alice", "alice", "alice.d2");
  const std::string alice = Found("todos", chain);
  const std::string d2 = Register("todos", "alice.d2");
  auto context = Context(d2);
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::seconds(30));
  auto reader = stub()->Subscribe(context.get(), pb::SubscribeRequest());
  pb::Hint hint;
  ASSERT_TRUE(reader->Read(&hint));
  chain.RemoveDevice("alice.d1", "alice", "alice.d2", 2);
  ASSERT_TRUE(
      Push(alice, {{members::MemberEntryPath(3), Str(chain.slot(3))}}).ok());
  const auto start = SteadyClock::now();
  while (reader->Read(&hint)) {
  }
  grpc::Status status = reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
      << status.error_message();
  EXPECT_LT(SteadyClock::now() - start, std::chrono::seconds(5));
  // And its token no longer pushes.
  EXPECT_EQ(Push(d2, {{LogPathOf("alice.d2", 1), "x"}}).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(HubServerTest, PullPagesAWholeLogInOrder) {
  Chain chain;
  chain.Genesis();
  const std::string alice = Found("todos", chain);
  std::vector<std::pair<std::string, std::string>> objects;
  for (std::uint64_t seq = 1; seq <= 600; ++seq) {
    objects.push_back(
        {LogPathOf("alice.d1", seq), "object " + std::to_string(seq)});
  }
  ASSERT_TRUE(Push(alice, objects).ok());
  pb::PullRequest request;
  request.set_author(crypto::DeviceIdFor(KeyPair("alice.d1").public_key()));
  request.set_max_objects(1000);
  auto context = Context(alice);
  auto reader = stub()->Pull(context.get(), request);
  pb::PullReply page;
  std::uint64_t next = 1;
  int pages = 0;
  while (reader->Read(&page)) {
    ++pages;
    for (const pb::PulledObject& object : page.objects()) {
      EXPECT_EQ(object.seq(), next);
      EXPECT_EQ(object.data(), "object " + std::to_string(next));
      ++next;
    }
  }
  EXPECT_TRUE(reader->Finish().ok());
  EXPECT_EQ(next, 601u);
  EXPECT_GE(pages, 3);  // pages of at most 256
}

TEST_F(HubServerTest, ShutdownEndsSubscriptionsWithUnavailable) {
  Chain chain;
  chain.Genesis();
  const std::string alice = Found("todos", chain);
  auto context = Context(alice);
  auto reader = stub()->Subscribe(context.get(), pb::SubscribeRequest());
  pb::Hint hint;
  ASSERT_TRUE(reader->Read(&hint));
  std::thread stop([this] { server_->Shutdown(); });
  while (reader->Read(&hint)) {
  }
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
  stop.join();
}

}  // namespace
}  // namespace coven::hub::testing
