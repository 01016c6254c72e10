// coven-hub over gRPC, in process on 127.0.0.1: live delivery, removal
// closing streams, limits, paging, shutdown, refusals on the wire.
#include "hub/server/hub_server.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <thread>
#include <vector>

#include "coven/hlc.h"
#include "coven/hub/v1/hub.grpc.pb.h"
#include "hub_test_util.h"
#include "wire_client.h"

namespace coven::hub::testing {
namespace {

using members::MemberRole;
using SteadyClock = std::chrono::steady_clock;

class HubServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(crypto::EnsureSodium().ok());
    auto store = store::OpenSqliteStore(dir_.path());
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = *store;
    server::HubServerOptions options;
    options.listen = "127.0.0.1:0";
    options.plaintext = true;
    options.core.log = [](const std::string&) {};
    options.core.max_push_bytes = 1 << 20;
    options.max_buffered_push_bytes = 768 << 10;  // Below one push's limit.
    options.max_concurrent_pushes = 2;
    options.max_waiting_pushes = 2;
    auto server = server::HubServer::Start(store_, options);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
    client_ = std::make_unique<WireClient>(server_->port());
  }

  void TearDown() override {
    if (server_) server_->Shutdown();
    server_.reset();
  }

  static std::unique_ptr<grpc::ClientContext> Context(const std::string& t) {
    return WireClient::Context(t);
  }
  std::string Register(const std::string& space, const std::string& name) {
    return client_->MustRegister(space, name);
  }
  grpc::Status Push(const std::string& token, const WireClient::Objects& o,
                    const std::string& head_path = "",
                    const std::string& head = "") {
    return client_->Push(token, o, head_path, head);
  }
  std::string Found(const std::string& space, const Chain& chain) {
    return client_->Found(space, chain);
  }
  static std::string LogPathOf(const std::string& device, std::uint64_t seq) {
    return WireClient::LogPath(device, seq);
  }
  pb::Hub::Stub* stub() { return &client_->stub(); }

  TempDir dir_;
  store::StoreRef store_;
  std::unique_ptr<server::HubServer> server_;
  std::unique_ptr<WireClient> client_;
};

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

TEST_F(HubServerTest, APushOverTheLimitIsResourceExhaustedAndStoresNothing) {
  Chain chain;
  chain.Genesis();
  const std::string alice = Found("todos", chain);
  auto context = Context(alice);
  pb::PushReply reply;
  auto writer = stub()->Push(context.get(), &reply);
  for (std::uint64_t seq = 1; seq <= 3; ++seq) {
    pb::PushRequest request;
    pb::Object* o = request.add_objects();
    o->set_path(LogPathOf("alice.d1", seq));
    o->set_data(std::string(600 << 10, 'x'));
    if (!writer->Write(request)) break;
  }
  writer->WritesDone();
  grpc::Status status = writer->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  auto heads = store_->ListHeads("todos");
  ASSERT_TRUE(heads.ok());
  for (const auto& head : *heads) EXPECT_EQ(head.log_seq, 0u);
}

// The push buffer bounds what all pushes hold together, but a push alone
// may hold up to its own limit: an object the engine may write always gets
// through once the others are gone.
TEST_F(HubServerTest, APushLargerThanTheBufferGoesThroughAlone) {
  Chain chain;
  chain.Genesis();
  const std::string alice = Found("todos", chain);
  const std::string big(900 << 10, 'x');
  grpc::Status status = Push(alice, {{LogPathOf("alice.d1", 1), big}});
  EXPECT_TRUE(status.ok()) << status.error_code() << " "
                           << status.error_message();
}

TEST_F(HubServerTest, PushesBeyondTheSlotsWaitAndBeyondTheLineAreRefused) {
  Chain chain;
  chain.Genesis();
  const std::string alice = Found("todos", chain);
  // Six pushes open at once against two slots and a line of two: two are
  // read, two wait unread and are taken when the first two end, and the
  // last two are refused before any of them is read.
  constexpr int kStreams = 6;
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<std::unique_ptr<grpc::ClientWriter<pb::PushRequest>>> writers;
  std::vector<pb::PushReply> replies(kStreams);
  for (int i = 0; i < kStreams; ++i) {
    contexts.push_back(Context(alice));
    writers.push_back(stub()->Push(contexts.back().get(), &replies[i]));
    writers.back()->Write(pb::PushRequest());  // false once refused: fine
  }
  // Once the hub has seen all six, two were refused (a write to them
  // fails); only then may the first ones end and free their slots.
  std::vector<bool> closed(kStreams, false);
  int closed_count = 0;
  const auto until = SteadyClock::now() + std::chrono::seconds(5);
  while (closed_count < 2 && SteadyClock::now() < until) {
    for (int i = 0; i < kStreams; ++i) {
      if (!closed[i] && !writers[i]->Write(pb::PushRequest())) {
        closed[i] = true;
        ++closed_count;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  for (auto& writer : writers) writer->WritesDone();
  int ok = 0;
  int refused = 0;
  for (auto& writer : writers) {
    grpc::Status status = writer->Finish();
    if (status.ok()) ++ok;
    if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
      ++refused;
      EXPECT_NE(status.error_message().find("too many pushes"),
                std::string::npos);
    }
  }
  EXPECT_EQ(ok, 4);
  EXPECT_EQ(refused, 2);
  // Once they ended, pushes are taken again.
  EXPECT_TRUE(Push(alice, {{LogPathOf("alice.d1", 1), "x"}}).ok());
}

// A push read in full gives up its slot while it waits for its commit: with
// the store's writer held up, six pushes coming one after another against
// two slots and a line of two are all read (none refused; two slots held
// through the commit would have refused the fifth) and all answered once
// the writer is let go.
TEST_F(HubServerTest, APushWaitingForItsCommitHoldsNoSlot) {
  Chain chain;
  chain.Genesis();
  const std::string alice = Found("todos", chain);
  sqlite3* side = nullptr;
  ASSERT_EQ(sqlite3_open((dir_.path() + "/hub.db").c_str(), &side), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(side, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr),
            SQLITE_OK);
  constexpr int kPushes = 6;
  std::vector<grpc::Status> statuses(kPushes);
  std::vector<std::thread> pushers;
  for (int i = 0; i < kPushes; ++i) {
    pushers.emplace_back([&, i] {
      // The same object each time: a retry after the first is stored.
      statuses[i] = Push(alice, {{LogPathOf("alice.d1", 1), "object"}});
    });
    // One after another (each is read long before the next comes), not
    // all in the same instant.
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  // The last push has arrived (a refusal would come at once) before the
  // writer is let go.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ASSERT_EQ(sqlite3_exec(side, "ROLLBACK", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(side);
  for (std::thread& pusher : pushers) pusher.join();
  for (int i = 0; i < kPushes; ++i) {
    EXPECT_TRUE(statuses[i].ok()) << i << ": " << statuses[i].error_code()
                                  << " " << statuses[i].error_message();
  }
}

TEST_F(HubServerTest, AWaitingPushCancelledLeavesTheLine) {
  Chain chain;
  chain.Genesis();
  const std::string alice = Found("todos", chain);
  // Two pushes hold both slots; a third waits and is cancelled.
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<std::unique_ptr<grpc::ClientWriter<pb::PushRequest>>> writers;
  std::vector<pb::PushReply> replies(3);
  for (int i = 0; i < 3; ++i) {
    contexts.push_back(Context(alice));
    writers.push_back(stub()->Push(contexts.back().get(), &replies[i]));
    writers.back()->Write(pb::PushRequest());
  }
  // Time for the hub to put the third in the line (a call cancelled before
  // the hub saw it never reaches it).
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  contexts[2]->TryCancel();
  EXPECT_EQ(writers[2]->Finish().error_code(), grpc::StatusCode::CANCELLED);
  // Two more fill the line again once the hub has taken the cancelled one
  // out (it hears of the cancel a little after the client): had it stayed
  // in the line, the second of them would be refused for ever.
  std::vector<std::unique_ptr<grpc::ClientContext>> more_contexts;
  std::vector<std::unique_ptr<grpc::ClientWriter<pb::PushRequest>>> more;
  std::vector<pb::PushReply> more_replies(2);
  bool lined_up = false;
  const auto until = SteadyClock::now() + std::chrono::seconds(5);
  while (!lined_up && SteadyClock::now() < until) {
    more_contexts.clear();
    more.clear();
    for (int i = 0; i < 2; ++i) {
      more_contexts.push_back(Context(alice));
      // The second waits a second at most: refused at once while the line
      // is full, past its deadline once it got into the line.
      if (i == 1) {
        more_contexts.back()->set_deadline(std::chrono::system_clock::now() +
                                           std::chrono::seconds(1));
      }
      more.push_back(
          stub()->Push(more_contexts.back().get(), &more_replies[i]));
      more.back()->Write(pb::PushRequest());
    }
    more[1]->WritesDone();
    grpc::Status second = more[1]->Finish();
    lined_up = second.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED;
    if (!lined_up) {
      EXPECT_EQ(second.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
          << second.error_message();
      more_contexts[0]->TryCancel();
      more[0]->Finish();
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  ASSERT_TRUE(lined_up) << "a cancelled push stayed in the line";
  for (int i = 0; i < 2; ++i) writers[i]->WritesDone();
  more[0]->WritesDone();
  for (int i = 0; i < 2; ++i) EXPECT_TRUE(writers[i]->Finish().ok());
  grpc::Status first = more[0]->Finish();
  EXPECT_TRUE(first.ok()) << first.error_message();
}

TEST_F(HubServerTest, PushesWithoutATokenTakeNoPushSlot) {
  Chain chain;
  chain.Genesis();
  const std::string alice = Found("todos", chain);
  // As many unauthenticated pushes held open as the hub admits at once.
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<std::unique_ptr<grpc::ClientWriter<pb::PushRequest>>> writers;
  std::vector<pb::PushReply> replies(2);
  for (int i = 0; i < 2; ++i) {
    contexts.push_back(Context("forged"));
    writers.push_back(stub()->Push(contexts.back().get(), &replies[i]));
    writers.back()->Write(pb::PushRequest());
  }
  // The device's own push still gets in.
  EXPECT_TRUE(Push(alice, {{LogPathOf("alice.d1", 1), "x"}}).ok());
  for (auto& writer : writers) {
    writer->WritesDone();
    EXPECT_EQ(writer->Finish().error_code(), grpc::StatusCode::UNAUTHENTICATED);
  }
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
