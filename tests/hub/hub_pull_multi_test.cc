// Pull naming several authors (PullRequest.authors), over gRPC in process:
// every author's objects in seq order, pages bounded, a call that ends in
// the middle of an author resumed without a gap, and the refusals.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <map>
#include <tuple>

#include "coven/hlc.h"
#include "coven/hub/v1/hub.grpc.pb.h"
#include "hub/server/hub_server.h"
#include "hub_test_util.h"
#include "wire_client.h"

namespace coven::hub::testing {
namespace {

// Small pages, so that a few objects of a few KiB fill one.
constexpr std::uint64_t kPageBytes = 10000;

struct Range {
  std::string device;  // "alice.d2"
  std::uint64_t after_seq = 0;
  std::uint64_t through_seq = 0;
};

class HubPullMultiTest : public ::testing::Test {
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
    options.core.max_page_bytes = kPageBytes;
    auto server = server::HubServer::Start(store_, options);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
    client_ = std::make_unique<WireClient>(server_->port());
  }

  void TearDown() override {
    if (server_) server_->Shutdown();
    server_.reset();
  }

  static std::uint64_t Id(const std::string& device) {
    return WireClient::DeviceId(device);
  }

  // Alice with devices d1, d2, d3 in `space`: the tokens, by device.
  std::map<std::string, std::string> ThreeDevices(const std::string& space,
                                                  Chain* chain) {
    chain->Genesis()
        .AddDevice("alice", "alice", "alice.d2")
        .AddDevice("alice", "alice", "alice.d3");
    std::map<std::string, std::string> tokens;
    tokens["alice.d1"] = client_->Found(space, *chain);
    tokens["alice.d2"] = client_->MustRegister(space, "alice.d2");
    tokens["alice.d3"] = client_->MustRegister(space, "alice.d3");
    return tokens;
  }

  // Pushes seqs 1..count of `device`'s log, object s being Data(device, s).
  void PushLog(const std::string& token, const std::string& device,
               std::uint64_t count, std::size_t bytes = 10) {
    WireClient::Objects objects;
    for (std::uint64_t seq = 1; seq <= count; ++seq) {
      objects.push_back(
          {WireClient::LogPath(device, seq), Data(device, seq, bytes)});
    }
    grpc::Status status = client_->Push(token, objects);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  static std::string Data(const std::string& device, std::uint64_t seq,
                          std::size_t bytes) {
    std::string data = device + "/" + std::to_string(seq) + "/";
    data.resize(std::max(bytes, data.size()), 'x');
    return data;
  }

  // One Pull naming `ranges`: its pages and its status.
  grpc::Status Pull(const std::string& token, const std::vector<Range>& ranges,
                    std::vector<pb::PullReply>* pages,
                    std::uint32_t max_objects = 0) {
    pb::PullRequest request;
    for (const Range& range : ranges) {
      pb::PullCursor* cursor = request.add_authors();
      cursor->set_author(Id(range.device));
      cursor->set_after_seq(range.after_seq);
      cursor->set_through_seq(range.through_seq);
    }
    request.set_max_objects(max_objects);
    return Pull(token, request, pages);
  }

  grpc::Status Pull(const std::string& token, const pb::PullRequest& request,
                    std::vector<pb::PullReply>* pages) {
    auto context = WireClient::Context(token);
    auto reader = client_->stub().Pull(context.get(), request);
    pb::PullReply page;
    while (reader->Read(&page)) pages->push_back(page);
    return reader->Finish();
  }

  // The objects of `pages` as (author, seq, data), in the order received.
  using Received =
      std::vector<std::tuple<std::uint64_t, std::uint64_t, std::string>>;
  static Received Flatten(const std::vector<pb::PullReply>& pages) {
    Received out;
    for (const pb::PullReply& page : pages) {
      for (const pb::PulledObject& object : page.objects()) {
        out.emplace_back(object.author(), object.seq(), object.data());
      }
    }
    return out;
  }

  // What a correct answer holds: each range's seqs in order, one range after
  // the other, every object `bytes` long.
  static Received Expected(const std::vector<Range>& ranges,
                           const std::map<std::string, std::uint64_t>& heads,
                           std::size_t bytes = 10) {
    Received out;
    for (const Range& range : ranges) {
      const std::uint64_t head = heads.at(range.device);
      const std::uint64_t last =
          range.through_seq == 0 ? head : std::min(head, range.through_seq);
      for (std::uint64_t seq = range.after_seq + 1; seq <= last; ++seq) {
        out.emplace_back(Id(range.device), seq, Data(range.device, seq, bytes));
      }
    }
    return out;
  }

  TempDir dir_;
  store::StoreRef store_;
  std::unique_ptr<server::HubServer> server_;
  std::unique_ptr<WireClient> client_;
};

TEST_F(HubPullMultiTest, ReturnsEveryNamedAuthorInSeqOrder) {
  Chain chain;
  auto tokens = ThreeDevices("todos", &chain);
  PushLog(tokens["alice.d1"], "alice.d1", 300);
  PushLog(tokens["alice.d2"], "alice.d2", 7);
  PushLog(tokens["alice.d3"], "alice.d3", 4);
  const std::map<std::string, std::uint64_t> heads = {
      {"alice.d1", 300}, {"alice.d2", 7}, {"alice.d3", 4}};
  // d3 asks for d2 from seq 3, d1 from 0 up to 290, and itself from 4 (its
  // head: nothing), in that order.
  const std::vector<Range> ranges = {
      {"alice.d2", 2, 0}, {"alice.d1", 0, 290}, {"alice.d3", 4, 0}};
  std::vector<pb::PullReply> pages;
  grpc::Status status = Pull(tokens["alice.d3"], ranges, &pages);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(Flatten(pages), Expected(ranges, heads));
  EXPECT_GE(pages.size(), 2u);  // 295 objects: more than one page
  for (const pb::PullReply& page : pages) {
    EXPECT_LE(page.objects_size(), 256);
  }
  // The one-author form still works, and says whose objects they are.
  pb::PullRequest one;
  one.set_author(Id("alice.d2"));
  one.set_after_seq(5);
  pages.clear();
  ASSERT_TRUE(Pull(tokens["alice.d1"], one, &pages).ok());
  EXPECT_EQ(Flatten(pages), Expected({{"alice.d2", 5, 0}}, heads));
}

TEST_F(HubPullMultiTest, PagesStayBelowTheByteBoundAcrossAuthors) {
  Chain chain;
  auto tokens = ThreeDevices("todos", &chain);
  // 3,000-byte objects: at most three fit in a 10,000-byte page, so pages
  // end inside an author and start the next one in the middle of a page.
  PushLog(tokens["alice.d1"], "alice.d1", 5, 3000);
  PushLog(tokens["alice.d2"], "alice.d2", 4, 3000);
  const std::vector<Range> ranges = {{"alice.d1", 0, 0}, {"alice.d2", 0, 0}};
  std::vector<pb::PullReply> pages;
  ASSERT_TRUE(Pull(tokens["alice.d3"], ranges, &pages).ok());
  EXPECT_EQ(Flatten(pages),
            Expected(ranges, {{"alice.d1", 5}, {"alice.d2", 4}}, 3000));
  bool mixed = false;
  for (const pb::PullReply& page : pages) {
    std::uint64_t bytes = 0;
    for (const pb::PulledObject& object : page.objects()) {
      bytes += object.data().size();
      mixed |= object.author() != page.objects(0).author();
    }
    EXPECT_LE(bytes, kPageBytes);
  }
  EXPECT_TRUE(mixed) << "a page should carry the end of one author and the "
                        "start of the next";
  EXPECT_EQ(pages.size(), 3u);  // 9 objects, three per page
}

TEST_F(HubPullMultiTest, AnObjectOverThePageTravelsAlone) {
  Chain chain;
  auto tokens = ThreeDevices("todos", &chain);
  PushLog(tokens["alice.d1"], "alice.d1", 1);
  PushLog(tokens["alice.d2"], "alice.d2", 2, 15000);
  const std::vector<Range> ranges = {{"alice.d1", 0, 0}, {"alice.d2", 0, 0}};
  std::vector<pb::PullReply> pages;
  ASSERT_TRUE(Pull(tokens["alice.d3"], ranges, &pages).ok());
  ASSERT_EQ(pages.size(), 3u);
  EXPECT_EQ(pages[0].objects_size(), 1);  // d1's small one
  EXPECT_EQ(pages[1].objects_size(), 1);  // each large one alone
  EXPECT_EQ(pages[2].objects_size(), 1);
  EXPECT_EQ(pages[2].objects(0).seq(), 2u);
  EXPECT_EQ(pages[2].objects(0).data(), Data("alice.d2", 2, 15000));
}

TEST_F(HubPullMultiTest, ACallEndingMidAuthorResumesWithoutAGap) {
  Chain chain;
  auto tokens = ThreeDevices("todos", &chain);
  PushLog(tokens["alice.d1"], "alice.d1", 5);
  PushLog(tokens["alice.d2"], "alice.d2", 5);
  const std::map<std::string, std::uint64_t> heads = {{"alice.d1", 5},
                                                      {"alice.d2", 5}};
  // At most 7 objects: all of d1, then d2 up to 2.
  std::vector<Range> ranges = {{"alice.d1", 0, 0}, {"alice.d2", 0, 0}};
  std::vector<pb::PullReply> pages;
  ASSERT_TRUE(Pull(tokens["alice.d3"], ranges, &pages, 7).ok());
  Received got = Flatten(pages);
  ASSERT_EQ(got.size(), 7u);
  EXPECT_EQ(got, Expected({{"alice.d1", 0, 0}, {"alice.d2", 0, 2}}, heads));
  // The client resumes every author from the newest seq it received.
  for (const auto& [author, seq, data] : got) {
    for (Range& range : ranges) {
      if (Id(range.device) == author) range.after_seq = seq;
    }
  }
  pages.clear();
  ASSERT_TRUE(Pull(tokens["alice.d3"], ranges, &pages, 2).ok());
  got = Flatten(pages);
  EXPECT_EQ(got, Expected({{"alice.d2", 2, 4}}, heads));
  pages.clear();
  ranges[1].after_seq = 4;
  ASSERT_TRUE(Pull(tokens["alice.d3"], ranges, &pages).ok());
  EXPECT_EQ(Flatten(pages), Expected({{"alice.d2", 4, 0}}, heads));
  // Caught up: an empty call.
  pages.clear();
  ranges[1].after_seq = 5;
  ASSERT_TRUE(Pull(tokens["alice.d3"], ranges, &pages).ok());
  EXPECT_TRUE(pages.empty());
}

TEST_F(HubPullMultiTest, TooManyOrRepeatedAuthorsAreInvalid) {
  Chain chain;
  auto tokens = ThreeDevices("todos", &chain);
  PushLog(tokens["alice.d1"], "alice.d1", 1);
  const std::string& token = tokens["alice.d2"];
  std::vector<pb::PullReply> pages;

  pb::PullRequest many;
  for (std::uint64_t author = 1; author <= 1025; ++author) {
    many.add_authors()->set_author(author);
  }
  grpc::Status status = Pull(token, many, &pages);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("1024"), std::string::npos);
  // 1,024 is the bound, not over it.
  many.mutable_authors()->RemoveLast();
  many.mutable_authors(0)->set_author(Id("alice.d1"));
  EXPECT_TRUE(Pull(token, many, &pages).ok());
  EXPECT_EQ(Flatten(pages).size(), 1u);

  pb::PullRequest twice;
  twice.add_authors()->set_author(Id("alice.d1"));
  twice.add_authors()->set_author(Id("alice.d1"));
  pages.clear();
  EXPECT_EQ(Pull(token, twice, &pages).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(pages.empty());

  pb::PullRequest both;
  both.set_author(Id("alice.d1"));
  both.add_authors()->set_author(Id("alice.d3"));
  EXPECT_EQ(Pull(token, both, &pages).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(pages.empty());
}

TEST_F(HubPullMultiTest, ARemovedDeviceIsRefused) {
  Chain chain;
  auto tokens = ThreeDevices("todos", &chain);
  PushLog(tokens["alice.d1"], "alice.d1", 3);
  const std::vector<Range> ranges = {{"alice.d1", 0, 0}, {"alice.d3", 0, 0}};
  std::vector<pb::PullReply> pages;
  ASSERT_TRUE(Pull(tokens["alice.d3"], ranges, &pages).ok());
  ASSERT_EQ(Flatten(pages).size(), 3u);
  chain.RemoveDevice("alice.d1", "alice", "alice.d3", 2);
  ASSERT_TRUE(client_
                  ->Push(tokens["alice.d1"],
                         {{members::MemberEntryPath(4), Str(chain.slot(4))}})
                  .ok());
  pages.clear();
  grpc::Status status = Pull(tokens["alice.d3"], ranges, &pages);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
      << status.error_message();
  EXPECT_TRUE(pages.empty());
}

TEST_F(HubPullMultiTest, AnotherSpacesAuthorsYieldNothingOfThatSpace) {
  // "secret": alice.d1 and alice.d2 write; "other": alice.d1 alone.
  Chain secret;
  auto tokens = ThreeDevices("secret", &secret);
  PushLog(tokens["alice.d1"], "alice.d1", 2);
  PushLog(tokens["alice.d2"], "alice.d2", 3);
  Chain other;
  other.Genesis();
  const std::string outsider = client_->Found("other", other);
  std::vector<pb::PullReply> pages;
  // Its token is for "other": naming the authors of "secret" reads their
  // logs in "other", which hold nothing.
  ASSERT_TRUE(
      Pull(outsider, {{"alice.d1", 0, 0}, {"alice.d2", 0, 0}}, &pages).ok());
  EXPECT_TRUE(pages.empty());
}

}  // namespace
}  // namespace coven::hub::testing
