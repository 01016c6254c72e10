// remote::OverHome: heads and log objects read through any Home, in seq
// order whatever order the parallel reads finish in, within a byte budget,
// with Home's error semantics per object.
#include "coven/remote.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <map>
#include <mutex>

#include "coven/hlc.h"
#include "coven/memory_home.h"

namespace coven::remote {
namespace {

constexpr std::uint64_t kAuthor = 0x1122334455667788ULL;

std::string Log(std::uint64_t author, std::uint64_t seq) {
  return "log/" + DeviceIdToHex(author) + "/" + DeviceIdToHex(seq);
}

Bytes Payload(std::uint64_t seq, std::size_t size = 100) {
  return Bytes(size, static_cast<std::uint8_t>(seq));
}

// A home that says it is a network home, and records how many Gets it
// serves at once. Gets of `gate_prefix` paths wait until `gate` of them are
// in flight (or `gate` is released), so a test sees real overlap without
// timing anything.
class OverlapHome final : public home::Home {
 public:
  explicit OverlapHome(home::HomeRef inner, std::size_t parallel)
      : inner_(std::move(inner)), parallel_(parallel) {}
  void set_gate(std::size_t gate) { gate_ = gate; }
  std::size_t max_in_flight() {
    std::lock_guard<std::mutex> lock(mutex_);
    return max_in_flight_;
  }
  Status Create(std::string_view p, ByteView d) override {
    return inner_->Create(p, d);
  }
  Status Replace(std::string_view p, ByteView d) override {
    return inner_->Replace(p, d);
  }
  Result<Bytes> Get(std::string_view path, std::uint64_t max) override {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      ++in_flight_;
      max_in_flight_ = std::max(max_in_flight_, in_flight_);
      if (gate_ > 0) {
        changed_.notify_all();
        changed_.wait_for(lock, std::chrono::seconds(30),
                          [&] { return released_ || in_flight_ >= gate_; });
        released_ = true;  // the gate opens once
      }
    }
    Result<Bytes> got = inner_->Get(path, max);
    std::lock_guard<std::mutex> lock(mutex_);
    --in_flight_;
    return got;
  }
  Result<Bytes> GetRange(std::string_view p, std::uint64_t o,
                         std::uint64_t l) override {
    return inner_->GetRange(p, o, l);
  }
  Result<home::ListPage> List(std::string_view p, std::string_view a,
                              std::size_t m) override {
    return inner_->List(p, a, m);
  }
  Status Delete(std::string_view p) override { return inner_->Delete(p); }
  home::Capabilities capabilities() const override {
    home::Capabilities caps = inner_->capabilities();
    caps.parallel_reads = parallel_;
    return caps;
  }
  std::string Describe() const override { return "overlap home"; }

 private:
  home::HomeRef inner_;
  std::size_t parallel_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::size_t gate_ = 0;
  bool released_ = false;
  std::size_t in_flight_ = 0;
  std::size_t max_in_flight_ = 0;
};

std::vector<LogObject> FetchAll(Remote& remote, FetchRequest request) {
  std::vector<LogObject> all;
  while (request.after_seq < request.through_seq) {
    auto batch = remote.FetchLog(request);
    EXPECT_TRUE(batch.ok()) << batch.status().ToString();
    if (!batch.ok() || batch->empty()) break;
    for (LogObject& object : *batch) {
      EXPECT_EQ(object.seq, request.after_seq + 1);
      request.after_seq = object.seq;
      all.push_back(std::move(object));
    }
  }
  return all;
}

TEST(RemoteTest, FetchesInSeqOrderWithParallelReads) {
  auto memory = home::MemoryHome::Create();
  for (std::uint64_t seq = 1; seq <= 100; ++seq) {
    ASSERT_TRUE(memory->Create(Log(kAuthor, seq), Payload(seq)).ok());
  }
  auto overlap = std::make_shared<OverlapHome>(memory, 8);
  overlap->set_gate(8);
  RemoteRef remote = OverHome(overlap);
  FetchRequest request;
  request.author = kAuthor;
  request.after_seq = 10;
  request.through_seq = 90;
  std::vector<LogObject> all = FetchAll(*remote, request);
  ASSERT_EQ(all.size(), 80u);
  for (std::size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].seq, 11 + i);
    EXPECT_EQ(all[i].path, Log(kAuthor, 11 + i));
    EXPECT_TRUE(all[i].status.ok());
    EXPECT_EQ(all[i].bytes, Payload(11 + i));
  }
  EXPECT_EQ(overlap->max_in_flight(), 8u);
}

TEST(RemoteTest, LocalHomeReadsOneAtATime) {
  auto memory = home::MemoryHome::Create();
  for (std::uint64_t seq = 1; seq <= 20; ++seq) {
    ASSERT_TRUE(memory->Create(Log(kAuthor, seq), Payload(seq)).ok());
  }
  auto overlap = std::make_shared<OverlapHome>(memory, 1);
  RemoteRef remote = OverHome(overlap);
  FetchRequest request;
  request.author = kAuthor;
  request.through_seq = 20;
  EXPECT_EQ(FetchAll(*remote, request).size(), 20u);
  EXPECT_EQ(overlap->max_in_flight(), 1u);
}

TEST(RemoteTest, AMissingObjectEndsTheBatchAndATooLargeOneDoesNot) {
  for (std::size_t parallel : {1, 8}) {
    auto memory = home::MemoryHome::Create();
    for (std::uint64_t seq = 1; seq <= 30; ++seq) {
      if (seq == 20) continue;
      ASSERT_TRUE(
          memory->Create(Log(kAuthor, seq), Payload(seq, seq == 5 ? 5000 : 100))
              .ok());
    }
    OverHomeOptions options;
    options.parallel_reads = parallel;
    RemoteRef remote = OverHome(memory, options);
    FetchRequest request;
    request.author = kAuthor;
    request.through_seq = 30;
    request.max_object_bytes = 1000;
    std::vector<LogObject> all = FetchAll(*remote, request);
    // Every batch after the gap starts at the gap again: FetchAll stops
    // there only because the caller moves on.
    ASSERT_GE(all.size(), 20u) << parallel;
    EXPECT_EQ(all[4].status.code(), StatusCode::kResourceExhausted);
    EXPECT_TRUE(all[4].bytes.empty());
    EXPECT_TRUE(all[5].status.ok());
    EXPECT_EQ(all[19].status.code(), StatusCode::kNotFound);
    request.after_seq = 0;
    request.max_objects = 64;
    auto first = remote->FetchLog(request);
    ASSERT_TRUE(first.ok());
    EXPECT_EQ(first->size(), 20u) << "the batch ends after the missing object";
  }
}

TEST(RemoteTest, BatchesStayWithinTheByteBudget) {
  auto memory = home::MemoryHome::Create();
  for (std::uint64_t seq = 1; seq <= 40; ++seq) {
    ASSERT_TRUE(memory
                    ->Create(Log(kAuthor, seq),
                             Payload(seq, seq == 30 ? 300'000 : 40'000))
                    .ok());
  }
  for (std::size_t parallel : {1, 8}) {
    OverHomeOptions options;
    options.parallel_reads = parallel;
    options.batch_bytes = 200'000;
    RemoteRef remote = OverHome(memory, options);
    FetchRequest request;
    request.author = kAuthor;
    request.through_seq = 40;
    request.max_object_bytes = 1'000'000;
    while (request.after_seq < request.through_seq) {
      auto batch = remote->FetchLog(request);
      ASSERT_TRUE(batch.ok());
      ASSERT_FALSE(batch->empty());
      std::uint64_t bytes = 0;
      for (const LogObject& object : *batch) {
        EXPECT_TRUE(object.status.ok()) << object.path;
        bytes += object.bytes.size();
      }
      // The budget holds until the last object of a batch; parallel reads
      // hold no more than their share each (a larger object is read again,
      // alone).
      EXPECT_LT(bytes - batch->back().bytes.size(), options.batch_bytes)
          << parallel;
      if (parallel > 1 && batch->size() > 1) {
        EXPECT_LE(bytes, options.batch_bytes) << parallel;
      }
      request.after_seq = batch->back().seq;
    }
  }
}

TEST(RemoteTest, ListHeadsReadsOtherDevicesHeadsOnly) {
  auto memory = home::MemoryHome::Create();
  const std::uint64_t own = 0xaaaaaaaaaaaaaaaaULL;
  ASSERT_TRUE(memory->Create("heads/" + DeviceIdToHex(own), Payload(1)).ok());
  ASSERT_TRUE(
      memory->Create("heads/" + DeviceIdToHex(kAuthor), Payload(2)).ok());
  ASSERT_TRUE(
      memory->Create("heads/" + DeviceIdToHex(3), Payload(3, 5000)).ok());
  ASSERT_TRUE(memory->Create("heads/junk", Payload(4)).ok());
  auto overlap = std::make_shared<OverlapHome>(memory, 8);
  RemoteRef remote = OverHome(overlap);
  auto heads = remote->ListHeads(own, 100);
  ASSERT_TRUE(heads.ok());
  ASSERT_EQ(heads->size(), 4u);
  std::map<std::string, const Head*> by_path;
  for (const Head& head : *heads) by_path[head.path] = &head;
  const Head* other = by_path["heads/" + DeviceIdToHex(kAuthor)];
  ASSERT_NE(other, nullptr);
  EXPECT_TRUE(other->status.ok());
  EXPECT_EQ(other->bytes, Payload(2));
  EXPECT_EQ(other->device, kAuthor);
  EXPECT_EQ(by_path["heads/" + DeviceIdToHex(own)]->status.code(),
            StatusCode::kCancelled);
  EXPECT_EQ(by_path["heads/" + DeviceIdToHex(3)]->status.code(),
            StatusCode::kResourceExhausted);
  EXPECT_EQ(by_path["heads/junk"]->status.code(), StatusCode::kInvalidArgument);
  auto too_many = remote->ListHeads(own, 3);
  EXPECT_EQ(too_many.status().code(), StatusCode::kResourceExhausted);
}

TEST(RemoteTest, PublishStoresObjectsThenTheHead) {
  auto memory = home::MemoryHome::Create();
  RemoteRef remote = OverHome(memory);
  const Bytes one = Payload(1), two = Payload(2), head = Payload(9);
  Published done =
      remote->Publish({{Log(kAuthor, 1), one}, {Log(kAuthor, 2), two}},
                      Outgoing{"heads/" + DeviceIdToHex(kAuthor), head});
  EXPECT_TRUE(done.status.ok());
  EXPECT_EQ(done.objects, 2u);
  EXPECT_TRUE(done.head);
  // An occupied slot stops it before the head.
  done = remote->Publish({{Log(kAuthor, 2), two}},
                         Outgoing{"heads/" + DeviceIdToHex(kAuthor), one});
  EXPECT_EQ(done.status.code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(done.objects, 0u);
  EXPECT_FALSE(done.head);
  EXPECT_EQ(*memory->Get("heads/" + DeviceIdToHex(kAuthor), 100), head);
  EXPECT_EQ(*remote->WaitForChange(0), WaitOutcome::kUnsupported);
}

}  // namespace
}  // namespace coven::remote
