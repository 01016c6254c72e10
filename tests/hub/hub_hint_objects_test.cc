// Hints that carry the new objects (Hint.objects): what the hub puts in
// them, the client's store of them (HintedObjects), and a device reading a
// change it was told of without a Pull.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "coven/home_url.h"
#include "coven/remote.h"
#include "home/home_layout.h"
#include "hub/client/hinted_objects.h"
#include "hub/hub_server.h"
#include "hub/store/forwarding_store.h"
#include "hub_server_fixture.h"
#include "member_log_builder.h"
#include "sync/home_credentials.h"

namespace coven::hub::testing {
namespace {

using ::coven::members::testing::KeyPair;

std::unique_ptr<grpc::ClientReader<pb::Hint>> SubscribeWithObjects(
    pb::Hub::Stub* stub, grpc::ClientContext* context,
    std::uint32_t max_hint_bytes) {
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::seconds(30));
  pb::SubscribeRequest request;
  request.set_max_hint_bytes(max_hint_bytes);
  return stub->Subscribe(context, request);
}

TEST_F(HubServerTest, AHintCarriesTheNewObjectsWhenAskedAndTheyFit) {
  Chain chain;
  chain.Genesis().AddDevice("alice", "alice", "alice.d2");
  const std::string alice = Found("todos", chain);
  const std::string d2 = Register("todos", "alice.d2");
  auto asking = Context(d2);
  auto with = SubscribeWithObjects(stub(), asking.get(), 1000);
  auto plain = Context(d2);
  auto without = SubscribeWithObjects(stub(), plain.get(), 0);
  pb::Hint hint;
  ASSERT_TRUE(with->Read(&hint));  // The state: heads only, never objects.
  EXPECT_EQ(hint.objects_size(), 0);
  ASSERT_TRUE(without->Read(&hint));

  ASSERT_TRUE(Push(alice, {{LogPathOf("alice.d1", 1), "one"},
                           {LogPathOf("alice.d1", 2), "two"}})
                  .ok());
  ASSERT_TRUE(with->Read(&hint));
  ASSERT_EQ(hint.heads_size(), 1);
  EXPECT_EQ(hint.heads(0).log_seq(), 2u);
  ASSERT_EQ(hint.objects_size(), 2);
  EXPECT_EQ(hint.objects(0).author(), hint.heads(0).device());
  EXPECT_EQ(hint.objects(0).seq(), 1u);
  EXPECT_EQ(hint.objects(0).data(), "one");
  EXPECT_EQ(hint.objects(1).seq(), 2u);
  EXPECT_EQ(hint.objects(1).data(), "two");
  EXPECT_FALSE(hint.objects(1).too_large() || hint.objects(1).continued());
  ASSERT_TRUE(without->Read(&hint));
  EXPECT_EQ(hint.heads(0).log_seq(), 2u);
  EXPECT_EQ(hint.objects_size(), 0) << "not asked for";

  // Over what the stream asked for: the head alone, the object is pulled.
  ASSERT_TRUE(
      Push(alice, {{LogPathOf("alice.d1", 3), std::string(1500, 'x')}}).ok());
  ASSERT_TRUE(with->Read(&hint));
  EXPECT_EQ(hint.heads(0).log_seq(), 3u);
  EXPECT_EQ(hint.objects_size(), 0);
  // And the next one that fits comes alone: seq 3 was named already.
  ASSERT_TRUE(Push(alice, {{LogPathOf("alice.d1", 4), "four"}}).ok());
  ASSERT_TRUE(with->Read(&hint));
  ASSERT_EQ(hint.objects_size(), 1);
  EXPECT_EQ(hint.objects(0).seq(), 4u);
  asking->TryCancel();
  plain->TryCancel();
}

// A store whose ListHeads of one space waits while a gate is closed: the
// hub's recheck loop, polling that space's heads, then holds back the
// recheck that would close a removed device's streams in other spaces.
class GatedHeadsStore final : public store::ForwardingStore {
 public:
  GatedHeadsStore(store::StoreRef inner, std::string gated)
      : ForwardingStore(std::move(inner)), gated_(std::move(gated)) {}
  Result<std::vector<store::HeadRow>> ListHeads(
      std::string_view space) override {
    if (space == gated_) {
      std::unique_lock<std::mutex> lock(mutex_);
      if (closed_) {
        entered_ = true;
        changed_.notify_all();
        changed_.wait(lock, [this] { return !closed_; });
      }
    }
    return ForwardingStore::ListHeads(space);
  }
  void Close() {
    std::lock_guard<std::mutex> lock(mutex_);
    closed_ = true;
  }
  bool WaitEntered() {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, std::chrono::seconds(20),
                             [this] { return entered_; });
  }
  void Open() {
    std::lock_guard<std::mutex> lock(mutex_);
    closed_ = false;
    changed_.notify_all();
  }

 private:
  const std::string gated_;
  std::mutex mutex_;
  std::condition_variable changed_;
  bool closed_ = false;
  bool entered_ = false;
};

class HubRemovedStreamTest : public HubServerTest {
 protected:
  store::StoreRef WrapStore(store::StoreRef store) override {
    gated_ = std::make_shared<GatedHeadsStore>(std::move(store), "aaa");
    return gated_;
  }
  void TearDown() override {
    if (gated_) gated_->Open();
    HubServerTest::TearDown();
  }
  std::shared_ptr<GatedHeadsStore> gated_;
};

TEST_F(HubRemovedStreamTest,
       ARemovedDevicesStreamCarriesNoObjectsBeforeItCloses) {
  // Another space with a stream, ahead of "todos" in the recheck loop.
  Chain other(8);
  other.Genesis();
  const std::string founder = Found("aaa", other);
  auto other_context = Context(founder);
  auto other_reader = SubscribeWithObjects(stub(), other_context.get(), 0);
  pb::Hint hint;
  ASSERT_TRUE(other_reader->Read(&hint));

  Chain chain;
  chain.Genesis().AddDevice("alice", "alice", "alice.d2");
  const std::string alice = Found("todos", chain);
  const std::string d2 = Register("todos", "alice.d2");
  auto context = Context(d2);
  auto reader = SubscribeWithObjects(stub(), context.get(), 1 << 20);
  ASSERT_TRUE(reader->Read(&hint));
  ASSERT_TRUE(Push(alice, {{LogPathOf("alice.d1", 1), "admitted"}}).ok());
  ASSERT_TRUE(reader->Read(&hint));
  ASSERT_EQ(hint.objects_size(), 1) << "carried while d2 is a member";

  // The recheck loop stops in "aaa" (a member-log change there makes it
  // poll that space's heads), so nothing closes d2's stream meanwhile.
  gated_->Close();
  other.AddDevice("alice", "alice", "alice.d3");
  ASSERT_TRUE(
      Push(founder, {{members::MemberEntryPath(2), Str(other.slot(2))}}).ok());
  ASSERT_TRUE(gated_->WaitEntered()) << "the recheck loop never polled aaa";

  chain.RemoveDevice("alice.d1", "alice", "alice.d2", 2);
  ASSERT_TRUE(
      Push(alice, {{members::MemberEntryPath(3), Str(chain.slot(3))}}).ok());
  for (std::uint64_t seq = 2; seq <= 30; ++seq) {
    ASSERT_TRUE(Push(alice, {{LogPathOf("alice.d1", seq), "after"}}).ok());
  }
  // Every hint up to the last push, while the stream is still open.
  int carried = 0;
  bool last = false;
  while (!last && reader->Read(&hint)) {
    carried += hint.objects_size();
    for (const pb::HeadEntry& head : hint.heads()) {
      if (head.log_seq() == 30) last = true;
    }
  }
  EXPECT_TRUE(last) << "the stream closed before the last push was hinted";
  EXPECT_EQ(carried, 0) << "a removed device was sent objects";

  gated_->Open();
  while (reader->Read(&hint)) carried += hint.objects_size();
  EXPECT_EQ(carried, 0) << "a removed device was sent objects";
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::PERMISSION_DENIED);
  other_context->TryCancel();
}

TEST(HintedObjectsTest, TakesConsecutiveSeqsAfterTheCursor) {
  client::HintedObjects held;
  for (std::uint64_t seq = 1; seq <= 3; ++seq) {
    held.Keep(7, seq, AsBytes("object " + std::to_string(seq)));
  }
  held.Keep(7, 5, AsBytes("object 5"));  // After a gap.
  held.Keep(8, 1, AsBytes("other author"));
  remote::FetchRequest request;
  request.author = 7;
  request.after_seq = 1;  // Seq 1 is held by the device already.
  request.through_seq = 9;
  request.max_object_bytes = 1 << 20;
  std::vector<remote::LogObject> got = held.Take(request, 1 << 20);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].seq, 2u);
  EXPECT_EQ(got[0].path, home::layout::LogPath(7, 2));
  EXPECT_EQ(Str(got[0].bytes), "object 2");
  EXPECT_TRUE(got[0].status.ok());
  EXPECT_EQ(got[1].seq, 3u);
  // Seq 4 was never carried: nothing until the device has it (a Pull).
  request.after_seq = 3;
  EXPECT_TRUE(held.Take(request, 1 << 20).empty());
  request.after_seq = 4;
  got = held.Take(request, 1 << 20);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].seq, 5u);
  // Taken objects are gone; the other author's stay.
  request.after_seq = 0;
  EXPECT_TRUE(held.Take(request, 1 << 20).empty());
  EXPECT_EQ(held.bytes(), std::string("other author").size() +
                              client::HintedObjects::kEntryOverhead);
}

TEST(HintedObjectsTest, KeepsToTheRequestsLimitsAndItsOwnBound) {
  client::HintedObjects held;
  held.Keep(7, 1, AsBytes("small"));
  held.Keep(7, 2, AsBytes(std::string(100, 'x')));
  held.Keep(7, 3, AsBytes("small"));
  remote::FetchRequest request;
  request.author = 7;
  request.through_seq = 3;
  request.max_object_bytes = 50;  // Seq 2 is over: left to a Pull.
  std::vector<remote::LogObject> got = held.Take(request, 1 << 20);
  ASSERT_EQ(got.size(), 1u);
  request.after_seq = 1;
  request.max_object_bytes = 1 << 20;
  request.max_objects = 1;
  EXPECT_EQ(held.Take(request, 1 << 20).size(), 1u);
  request.after_seq = 2;
  request.through_seq = 2;  // Not past through_seq.
  EXPECT_TRUE(held.Take(request, 1 << 20).empty());

  // Past its bound everything held goes (those objects are pulled
  // instead), and the object that did not fit is kept.
  const std::string big(client::HintedObjects::kMaxBytes / 2 + 1, 'b');
  held.Keep(9, 1, AsBytes(big));
  held.Keep(9, 2, AsBytes(big));
  EXPECT_EQ(held.bytes(), big.size() + client::HintedObjects::kEntryOverhead);
  request.author = 9;
  request.after_seq = 0;
  request.through_seq = 2;
  request.max_object_bytes = 1ull << 30;
  EXPECT_TRUE(held.Take(request, 1ull << 30).empty()) << "seq 1 was dropped";
  request.after_seq = 1;
  got = held.Take(request, 1ull << 30);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].seq, 2u);
  EXPECT_EQ(held.bytes(), 0u);
}

// A device told of a change by a hint that carried the objects reads them
// with no Pull: here the hub is gone by then.
TEST(HubHintedFetchTest, ObjectsAHintCarriedNeedNoPull) {
  ASSERT_TRUE(crypto::EnsureSodium().ok());
  auto hub = ::coven::testing::HubServer::Start();
  ASSERT_TRUE(hub.ok()) << hub.status().ToString();
  const std::string space = ::coven::testing::UniqueSpace("hinted");
  Chain chain;
  chain.Genesis().AddDevice("alice", "alice", "alice.d2");
  auto open = [&](const std::string& device) {
    home::HomeUrlContext context;
    context.credentials =
        sync::CredentialsFromKeys(KeyPair(device), members::MemberIdentity());
    Result<home::HomeRef> home = home::OpenHomeUrl(
        (*hub)->Url(space, "&timeout_ms=3000&attempts=1"), context);
    EXPECT_TRUE(home.ok()) << home.status().ToString();
    return home.ok() ? *home : nullptr;
  };
  home::HomeRef a_home = open("alice.d1");
  ASSERT_NE(a_home, nullptr);
  ASSERT_TRUE(a_home->Create("coven-library.json", AsBytes("{}\n")).ok());
  for (std::uint64_t slot = 1; slot <= 2; ++slot) {
    ASSERT_TRUE(
        a_home->Create(home::layout::MemberSlotPath(slot), chain.slot(slot))
            .ok());
  }
  home::HomeRef b_home = open("alice.d2");
  ASSERT_NE(b_home, nullptr);
  remote::RemoteRef a = remote::RemoteFor(a_home);
  remote::RemoteRef b = remote::RemoteFor(b_home);
  const std::uint64_t author =
      crypto::DeviceIdFor(KeyPair("alice.d1").public_key());
  const std::string head = home::layout::HeadPath(author);
  auto now_ms = [] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
  ASSERT_TRUE(b->ListHeads(0, 100).ok());
  // The first change proves B's stream is open (it may come with or
  // without the object; the hub is up to be pulled from).
  ASSERT_TRUE(a->Publish({{home::layout::LogPath(author, 1), AsBytes("one")}},
                         remote::Outgoing{head, AsBytes("head 1")})
                  .status.ok());
  Result<remote::WaitOutcome> seen = b->WaitForChange(now_ms() + 10'000);
  ASSERT_TRUE(seen.ok()) << seen.status().ToString();
  ASSERT_EQ(*seen, remote::WaitOutcome::kChanged);
  remote::FetchRequest request;
  request.author = author;
  request.after_seq = 0;
  request.through_seq = 1;
  request.max_object_bytes = 1 << 20;
  auto first = b->FetchLog(request);
  ASSERT_TRUE(first.ok() && first->size() == 1 && first->at(0).status.ok());

  ASSERT_TRUE(a->Publish({{home::layout::LogPath(author, 2), AsBytes("two")},
                          {home::layout::LogPath(author, 3), AsBytes("three")}},
                         remote::Outgoing{head, AsBytes("head 3")})
                  .status.ok());
  seen = b->WaitForChange(now_ms() + 10'000);
  ASSERT_TRUE(seen.ok()) << seen.status().ToString();
  ASSERT_EQ(*seen, remote::WaitOutcome::kChanged);
  hub->reset();  // The hub stops: nothing more can be pulled.

  request.after_seq = 1;
  request.through_seq = 3;
  auto got = b->FetchLog(request);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->size(), 2u);
  EXPECT_TRUE(got->at(0).status.ok()) << got->at(0).status.ToString();
  EXPECT_EQ(Str(got->at(0).bytes), "two");
  EXPECT_EQ(Str(got->at(1).bytes), "three");
  // What no hint carried needs the hub, which is gone.
  request.after_seq = 3;
  request.through_seq = 4;
  auto missing = b->FetchLog(request);
  EXPECT_TRUE(!missing.ok() || missing->empty() || !missing->at(0).status.ok());
}

}  // namespace
}  // namespace coven::hub::testing
