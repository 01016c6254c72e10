// The hub home against a real coven-hub: the Home contract on the paths the
// hub accepts (docs/format/home-layout.md), registration as founder, device
// and enrolling device, and the refusals of paths a device may not write.
// (The generic conformance suite writes free-form paths, which a hub
// refuses by design, so these cases use the layout's paths.)
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "coven/home_url.h"
#include "home/home_layout.h"
#include "hub/hub_server.h"
#include "member_log_builder.h"
#include "sync/home_credentials.h"

namespace coven::hub {
namespace {

using ::coven::members::testing::Chain;
using ::coven::members::testing::Identity;
using ::coven::members::testing::KeyPair;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::uint64_t DeviceOf(const std::string& name) {
  return crypto::DeviceIdFor(KeyPair(name).public_key());
}

std::string Log(const std::string& device, std::uint64_t seq) {
  return home::layout::LogPath(DeviceOf(device), seq);
}

class HubHomeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    hub_ = ::coven::testing::SharedHub();
    ASSERT_NE(hub_, nullptr);
    space_ = ::coven::testing::UniqueSpace("home");
    chain_.Genesis();  // alice (Owner) with device alice.d1
  }

  // A hub home of `space_` as device `device` (of `member`, whose seed it
  // holds when `member` is not empty); anonymous when `device` is empty.
  home::HomeRef Open(const std::string& device,
                     const std::string& member = "") {
    home::HomeUrlContext context;
    if (!device.empty()) {
      context.credentials = sync::CredentialsFromKeys(
          KeyPair(device),
          member.empty() ? members::MemberIdentity() : Identity(member));
    }
    Result<home::HomeRef> home =
        home::OpenHomeUrl(hub_->Url(space_, "&timeout_ms=5000"), context);
    EXPECT_TRUE(home.ok()) << home.status().ToString();
    return home.ok() ? *home : nullptr;
  }

  // alice.d1 founds the space: marker and genesis.
  home::HomeRef Found() {
    home::HomeRef home = Open("alice.d1");
    EXPECT_TRUE(home->Create("coven-library.json", AsBytes("{}\n")).ok());
    Status genesis = home->Create("members/0000000000000001", chain_.slot(1));
    EXPECT_TRUE(genesis.ok()) << genesis.ToString();
    return home;
  }

  ::coven::testing::HubServer* hub_ = nullptr;
  std::string space_;
  Chain chain_;
};

TEST_F(HubHomeTest, AnonymousProbeOfANewSpace) {
  home::HomeRef anonymous = Open("");
  EXPECT_EQ(anonymous->Get("coven-library.json", 4096).status().code(),
            StatusCode::kNotFound);
  Result<home::ListPage> listed = anonymous->List("members/", "", 10);
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  EXPECT_TRUE(listed->objects.empty());
  Found();
  // Now the space exists: the marker is readable without a key, and
  // nothing else is.
  Result<Bytes> marker = anonymous->Get("coven-library.json", 4096);
  ASSERT_TRUE(marker.ok()) << marker.status().ToString();
  EXPECT_EQ(AsString(*marker), "{}\n");
  EXPECT_EQ(anonymous->Get("coven-library.json", 2).status().code(),
            StatusCode::kResourceExhausted);
  Result<home::ListPage> refused = anonymous->List("members/", "", 10);
  EXPECT_EQ(refused.status().code(), StatusCode::kUnauthenticated);
  EXPECT_THAT(refused.status().message(), HasSubstr("needs this device's key"));
}

TEST_F(HubHomeTest, CreateOnceGetAndRange) {
  home::HomeRef home = Found();
  const std::string first = Log("alice.d1", 1);
  Status created = home->Create(first, AsBytes("object one"));
  ASSERT_TRUE(created.ok()) << created.ToString();
  // Occupied: other bytes, and the same bytes again (not a retry).
  EXPECT_EQ(home->Create(first, AsBytes("other")).code(),
            StatusCode::kAlreadyExists);
  EXPECT_EQ(home->Create(first, AsBytes("object one")).code(),
            StatusCode::kAlreadyExists);
  EXPECT_EQ(home->Create("coven-library.json", AsBytes("x")).code(),
            StatusCode::kAlreadyExists);
  // A gap in the log.
  EXPECT_EQ(home->Create(Log("alice.d1", 3), AsBytes("three")).code(),
            StatusCode::kFailedPrecondition);

  Result<Bytes> got = home->Get(first, 100);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(AsString(*got), "object one");
  EXPECT_EQ(home->Get(first, 3).status().code(),
            StatusCode::kResourceExhausted);
  EXPECT_EQ(home->Get(Log("alice.d1", 2), 100).status().code(),
            StatusCode::kNotFound);
  Result<Bytes> range = home->GetRange(first, 7, 3);
  ASSERT_TRUE(range.ok()) << range.status().ToString();
  EXPECT_EQ(AsString(*range), "one");
  EXPECT_EQ(home->GetRange(first, 7, 4).status().code(),
            StatusCode::kOutOfRange);
  EXPECT_EQ(home->Delete(first).code(), StatusCode::kUnimplemented);
  EXPECT_TRUE(home->Get(first, 100).ok());
}

TEST_F(HubHomeTest, ListingIsInByteOrderAndPages) {
  home::HomeRef home = Found();
  std::vector<std::string> written;
  for (std::uint64_t seq = 1; seq <= 5; ++seq) {
    written.push_back(Log("alice.d1", seq));
    ASSERT_TRUE(
        home->Create(written.back(), AsBytes("o" + std::to_string(seq))).ok());
  }
  const std::string prefix = home::layout::LogPrefix(DeviceOf("alice.d1"));
  Result<home::ListPage> page = home->List(prefix, "", 2);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->objects.size(), 2u);
  EXPECT_TRUE(page->truncated);
  EXPECT_EQ(page->objects[0].path, written[0]);
  EXPECT_EQ(page->objects[0].size, 2u);
  Result<std::vector<home::ObjectInfo>> all =
      home::ListAll(*home, prefix, 100, written[1]);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  std::vector<std::string> paths;
  for (const auto& info : *all) paths.push_back(info.path);
  EXPECT_EQ(paths,
            std::vector<std::string>(written.begin() + 2, written.end()));
  Result<std::vector<home::ObjectInfo>> root = home::ListAll(*home, "", 100);
  ASSERT_TRUE(root.ok()) << root.status().ToString();
  std::vector<std::string> root_paths;
  for (const auto& info : *root) root_paths.push_back(info.path);
  EXPECT_TRUE(std::is_sorted(root_paths.begin(), root_paths.end()));
  EXPECT_EQ(root_paths.front(), "coven-library.json");
  EXPECT_EQ(root_paths.size(), 7u);  // marker, 5 objects, genesis
}

TEST_F(HubHomeTest, ReplacesOnlyItsOwnHead) {
  home::HomeRef home = Found();
  const std::string head = home::layout::HeadPath(DeviceOf("alice.d1"));
  ASSERT_TRUE(home->Create(Log("alice.d1", 1), AsBytes("one")).ok());
  Status created = home->Create(head, AsBytes("head 1"));
  ASSERT_TRUE(created.ok()) << created.ToString();
  EXPECT_EQ(home->Create(head, AsBytes("head 2")).code(),
            StatusCode::kAlreadyExists);
  ASSERT_TRUE(home->Replace(head, AsBytes("head 2")).ok());
  Result<Bytes> got = home->Get(head, 100);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(AsString(*got), "head 2");
  const std::string other = home::layout::HeadPath(DeviceOf("bob.d1"));
  Status refused = home->Replace(other, AsBytes("x"));
  EXPECT_EQ(refused.code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(refused.message(), HasSubstr("only this device's own head"));
  EXPECT_EQ(home->Replace(Log("alice.d1", 1), AsBytes("x")).code(),
            StatusCode::kPermissionDenied);
}

TEST_F(HubHomeTest, RefusesOtherAuthorsPathsAndStrangers) {
  home::HomeRef home = Found();
  // Another device's log and head: the hub refuses them.
  EXPECT_EQ(home->Create(Log("bob.d1", 1), AsBytes("x")).code(),
            StatusCode::kPermissionDenied);
  // A device the member log does not know, of a member it does not know.
  home::HomeRef stranger = Open("mallory.d1", "mallory");
  Result<Bytes> got = stranger->Get("members/0000000000000001", 4096);
  EXPECT_EQ(got.status().code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(got.status().message(), HasSubstr("registering"));
}

TEST_F(HubHomeTest, RemovedDeviceIsRefused) {
  home::HomeRef home = Found();
  chain_.AddDevice("alice", "alice", "alice.d2");
  ASSERT_TRUE(home->Create("members/0000000000000002", chain_.slot(2)).ok());
  home::HomeRef second = Open("alice.d2");
  ASSERT_TRUE(second->Create(Log("alice.d2", 1), AsBytes("x")).ok());
  chain_.RemoveDevice("alice.d1", "alice", "alice.d2");
  Status removed = home->Create("members/0000000000000003", chain_.slot(3));
  ASSERT_TRUE(removed.ok()) << removed.ToString();
  // Registering again (a new home, as after a restart) is refused.
  home::HomeRef again = Open("alice.d2");
  Status refused = again->Create(Log("alice.d2", 2), AsBytes("y"));
  EXPECT_EQ(refused.code(), StatusCode::kPermissionDenied)
      << refused.ToString();
  EXPECT_EQ(again->Get(Log("alice.d1", 1), 100).status().code(),
            StatusCode::kPermissionDenied);
}

TEST_F(HubHomeTest, EnrollingDeviceReadsMembersButWritesNoLog) {
  Found();
  // alice.d3 is not in the member log, but its member alice is.
  home::HomeRef enrolling = Open("alice.d3", "alice");
  Result<home::ListPage> members = enrolling->List("members/", "", 10);
  ASSERT_TRUE(members.ok()) << members.status().ToString();
  ASSERT_EQ(members->objects.size(), 1u);
  EXPECT_EQ(enrolling->Create(Log("alice.d3", 1), AsBytes("x")).code(),
            StatusCode::kPermissionDenied);
  // Once the member log lists it, it is a device: the hub decides on every
  // call, so the same token now writes.
  chain_.AddDevice("alice", "alice", "alice.d3");
  Status added = enrolling->Create("members/0000000000000002", chain_.slot(2));
  ASSERT_TRUE(added.ok()) << added.ToString();
  Status wrote = enrolling->Create(Log("alice.d3", 1), AsBytes("x"));
  EXPECT_TRUE(wrote.ok()) << wrote.ToString();
}

}  // namespace
}  // namespace coven::hub
