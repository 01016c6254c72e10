// coven-hub's push limits over gRPC: the read slots and their waiting
// line, the push buffer (and a push larger than it), the pushes waiting
// for a commit, and what a refused push leaves behind.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <thread>
#include <vector>

#include "hub_server_fixture.h"

namespace coven::hub::testing {
namespace {

using SteadyClock = std::chrono::steady_clock;

// Holds the SQLite store's write lock from a connection of its own, so the
// hub's commits wait until Release (or the end of the scope).
class HeldWriter {
 public:
  explicit HeldWriter(const std::string& data_dir) {
    held_ = sqlite3_open((data_dir + "/hub.db").c_str(), &db_) == SQLITE_OK &&
            sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) ==
                SQLITE_OK;
  }
  ~HeldWriter() { Release(); }
  HeldWriter(const HeldWriter&) = delete;
  HeldWriter& operator=(const HeldWriter&) = delete;

  bool held() const { return held_; }
  void Release() {
    if (db_ == nullptr) return;
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close(db_);
    db_ = nullptr;
  }

 private:
  sqlite3* db_ = nullptr;
  bool held_ = false;
};

class HubPushAdmissionTest : public HubServerTest {
 protected:
  // With the store's writer held, pushes alice.d1's object 1 (the same
  // bytes: a retry after the first is stored) `n` times, 50 ms apart (each
  // is read long before the next comes), lets the writer go 300 ms after
  // the last (a refusal would have come at once) and returns the answers.
  std::vector<grpc::Status> SamePushesWhileTheWriterIsHeld(
      const std::string& token, int n) {
    std::vector<grpc::Status> statuses(n);
    HeldWriter writer(dir_.path());
    EXPECT_TRUE(writer.held());
    std::vector<std::thread> pushers;
    for (int i = 0; i < n; ++i) {
      pushers.emplace_back([&, i] {
        statuses[i] = Push(token, {{LogPathOf("alice.d1", 1), "object"}});
      });
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    writer.Release();
    for (std::thread& pusher : pushers) pusher.join();
    return statuses;
  }
};

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

// Nor is it refused for good while others hold a little of the buffer: a
// push that would hold over half of it takes the one oversize permit.
TEST_F(HubServerTest, APushLargerThanTheBufferGoesThroughBesideOthers) {
  Chain chain;
  chain.Genesis();
  const std::string alice = Found("todos", chain);
  HeldWriter writer(dir_.path());
  ASSERT_TRUE(writer.held());
  grpc::Status small_status;
  grpc::Status big_status;
  // The small push is read and waits for its commit, holding its bytes.
  std::thread small([&] {
    small_status = Push(alice, {{LogPathOf("alice.d1", 1), "small"}});
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  std::thread big([&] {
    big_status =
        Push(alice, {{LogPathOf("alice.d1", 2), std::string(900 << 10, 'x')}});
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  writer.Release();
  small.join();
  big.join();
  EXPECT_TRUE(small_status.ok()) << small_status.error_message();
  EXPECT_TRUE(big_status.ok())
      << big_status.error_code() << " " << big_status.error_message();
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
TEST_F(HubPushAdmissionTest, APushWaitingForItsCommitHoldsNoSlot) {
  Chain chain;
  chain.Genesis();
  const std::string alice = Found("todos", chain);
  const std::vector<grpc::Status> statuses =
      SamePushesWhileTheWriterIsHeld(alice, 6);
  for (std::size_t i = 0; i < statuses.size(); ++i) {
    EXPECT_TRUE(statuses[i].ok()) << i << ": " << statuses[i].error_code()
                                  << " " << statuses[i].error_message();
  }
}

// At most max_pushes_awaiting_commit pushes wait for a commit without a
// slot; the next ones keep theirs, so the slots and the line bound them
// again: with 2 + 2 slots + a line of 2, the seventh push is refused.
class HubServerCommitWaitTest : public HubPushAdmissionTest {
 protected:
  void Configure(server::HubServerOptions& options) override {
    options.max_pushes_awaiting_commit = 2;
  }
};

TEST_F(HubServerCommitWaitTest, PushesAwaitingACommitAreBounded) {
  Chain chain;
  chain.Genesis();
  const std::string alice = Found("todos", chain);
  int ok = 0;
  int refused = 0;
  for (const grpc::Status& status : SamePushesWhileTheWriterIsHeld(alice, 7)) {
    if (status.ok()) ++ok;
    if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) ++refused;
  }
  EXPECT_EQ(ok, 6);
  EXPECT_EQ(refused, 1);
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

}  // namespace
}  // namespace coven::hub::testing
