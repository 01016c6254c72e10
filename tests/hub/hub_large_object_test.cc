// A row larger than one gRPC message travels through the hub like any other:
// the engine's objects may be up to Config::max_object_bytes (64 MiB), and
// the hub must neither refuse them forever (the device would be stuck behind
// the object, every later write unsynced) nor hold them whole per message.
#include <gtest/gtest.h>

#include "coven/home_url.h"
#include "coven/remote.h"
#include "home/home_layout.h"
#include "hub/hub_server.h"
#include "member_log_builder.h"
#include "sync/home_credentials.h"
#include "test_device.h"

namespace coven::testing {
namespace {

TEST(HubLargeObjectTest, ARowOverOneMessageReachesTheOtherDevice) {
  HubServer* hub = SharedHub();
  ASSERT_NE(hub, nullptr);
  const std::string url = hub->Url(UniqueSpace("large"), "&timeout_ms=20000");
  const TestLibrary library = MakeLibrary(77);
  auto clock = std::make_shared<ManualClock>();
  TestDevice::Options first;
  first.home_url = url;
  first.create_home = true;
  auto a = TestDevice::Create(library, nullptr, 1, clock, first);
  ASSERT_NE(a, nullptr);
  a->Sync();
  TestDevice::Options second;
  second.home_url = url;
  auto b = TestDevice::Create(library, nullptr, 2, clock, second);
  ASSERT_NE(b, nullptr);
  b->Sync();
  // 20 MiB of random bytes: incompressible, so the sealed object is over
  // 20 MiB, past the hub's 16 MiB message limit.
  a->Exec(
      "INSERT INTO todos VALUES('big', randomblob(20 * 1024 * 1024), 0, "
      "coven_hlc())");
  a->Exec("INSERT INTO todos VALUES('after', 'small', 0, coven_hlc())");
  a->Sync();
  EXPECT_TRUE(a->manager().status().last_error.empty())
      << a->manager().status().last_error;
  b->Sync();
  EXPECT_TRUE(b->manager().status().last_error.empty())
      << b->manager().status().last_error;
  EXPECT_EQ(b->Dump("todos"), a->Dump("todos"));
  EXPECT_EQ(b->Dump("todos", false).size(), 2u);
}

// The Home API reads such an object too (repair and quarantine do), a piece
// per call, whole or by range across pieces.
TEST(HubLargeObjectTest, HomeReadsAnObjectOverOneMessageInPieces) {
  using ::coven::members::testing::Chain;
  using ::coven::members::testing::KeyPair;
  HubServer* hub = SharedHub();
  ASSERT_NE(hub, nullptr);
  const std::string url = hub->Url(UniqueSpace("large-home"));
  Chain chain;
  chain.Genesis();
  home::HomeUrlContext context;
  context.credentials =
      sync::CredentialsFromKeys(KeyPair("alice.d1"), members::MemberIdentity());
  Result<home::HomeRef> opened = home::OpenHomeUrl(url, context);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  home::Home& home = **opened;
  ASSERT_TRUE(home.Create("coven-library.json", AsBytes("{}\n")).ok());
  ASSERT_TRUE(home.Create(home::layout::MemberSlotPath(1), chain.slot(1)).ok());
  const std::uint64_t device =
      crypto::DeviceIdFor(KeyPair("alice.d1").public_key());
  Bytes big(18u << 20);
  for (std::size_t i = 0; i < big.size(); ++i) {
    big[i] = static_cast<std::uint8_t>((i * 2654435761u) >> 13);
  }
  const std::string path = home::layout::LogPath(device, 1);
  Status stored = home.Create(path, big);
  ASSERT_TRUE(stored.ok()) << stored.ToString();
  Result<Bytes> whole = home.Get(path, 64u << 20);
  ASSERT_TRUE(whole.ok()) << whole.status().ToString();
  EXPECT_TRUE(*whole == big);
  // Across the 4 MiB piece boundaries.
  Result<Bytes> range = home.GetRange(path, (4u << 20) - 7, 9u << 20);
  ASSERT_TRUE(range.ok()) << range.status().ToString();
  EXPECT_TRUE(
      std::equal(range->begin(), range->end(), big.begin() + (4u << 20) - 7));
  EXPECT_EQ(range->size(), 9u << 20);
  EXPECT_EQ(home.GetRange(path, big.size() - 1, 2).status().code(),
            StatusCode::kOutOfRange);
  // Under the caller's own limit: refused, not read.
  EXPECT_EQ(home.Get(path, 1u << 20).status().code(),
            StatusCode::kResourceExhausted);
}

}  // namespace
}  // namespace coven::testing
