// claw-sync's acceptance scenario 15 (research/claw-sync.md §7) through a
// real coven-hub, on its SQLite store and on PostgreSQL:
//
//   15  a poison op is quarantined and reported; later ops apply
//
// The poisoner is an insider: a device of the library's member, enrolled in
// the member log through the hub and holding the library key, that pushes
// through its own hub:// session a validly sealed and signed log object
// whose payload is a malformed SQLite changeset. The hub cannot read it and
// stores it like any other; the devices that pull it must refuse it.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "bad_input_util.h"
#include "coven/home_url.h"
#include "hub/hub_server.h"
#include "members/member_identity.h"
#include "object/sealed_object.h"
#include "sync/home_credentials.h"
#include "test_device.h"

namespace coven::testing {
namespace {

class HubScenarioInsiderTest : public ::testing::TestWithParam<HubStore> {
 protected:
  void SetUp() override {
    hub_ = GetParam().hub();
    ASSERT_NE(hub_, nullptr);
    space_ = UniqueSpace("insider");
    library_ = MakeLibrary(83);
    clock_ = std::make_shared<ManualClock>(kStartMs);
  }

  // A device of the library over hub:// on the shared clock; the first one
  // founds the space.
  std::unique_ptr<TestDevice> Device(std::uint64_t seed, bool first) {
    TestDevice::Options options;
    options.home_url = hub_->Url(space_, "&timeout_ms=5000");
    options.create_home = first;
    auto device = TestDevice::Create(library_, nullptr, seed, clock_, options);
    EXPECT_NE(device, nullptr);
    return device;
  }

  // The poisoner's own hub session: its device key, and the member's seed
  // (it registers as an enrolling device of that member).
  home::HomeRef OpenAs(const Forger& forger) {
    home::HomeUrlContext context;
    context.credentials = sync::CredentialsFromKeys(
        forger.signer, members::MemberIdentity::FromSeed(library_.member_seed));
    Result<home::HomeRef> home =
        home::OpenHomeUrl(hub_->Url(space_, "&timeout_ms=5000"), context);
    EXPECT_TRUE(home.ok()) << home.status().ToString();
    return home.ok() ? *home : nullptr;
  }

  // The schema version `device` seals with, read from its head on the hub.
  static std::uint32_t SchemaVersionOf(home::Home& home, TestDevice& device) {
    const std::uint64_t id =
        DeviceIdFromHex(device.manager().status().device_id).value_or(0);
    Result<Bytes> head = home.Get(engine::HeadPath(id), kTestMaxRead);
    EXPECT_TRUE(head.ok()) << head.status().ToString();
    if (!head.ok()) return 0;
    Result<object::ObjectHeader> header = object::ParseHeader(*head);
    EXPECT_TRUE(header.ok()) << header.status().ToString();
    return header.ok() ? header->schema_version : 0;
  }

  HubServer* hub_ = nullptr;
  std::string space_;
  TestLibrary library_;
  std::shared_ptr<ManualClock> clock_;
};

// Scenario 15: the insider pushes, through the hub, a poison object (a
// valid INSERT followed by a record of unknown kind: the whole object must
// be refused, its valid row included), then a good object and its head.
// The receiver quarantines the poison with a reason naming its path,
// reports it in the round's problems, applies nothing of it and applies
// the good object behind it. Later flushes go on: the poisoner's next
// object, and the next flush of a real device of the same member; a device
// pulling everything later quarantines the same object and holds the same
// rows.
TEST_P(HubScenarioInsiderTest, PoisonOpIsQuarantinedAndLaterOpsApply) {
  auto a = Device(1, /*first=*/true);
  ASSERT_NE(a, nullptr);
  a->Exec("INSERT INTO todos VALUES('a1', 'from a', 0, coven_hlc())");
  a->Sync();
  auto b = Device(2, /*first=*/false);
  ASSERT_NE(b, nullptr);
  b->Sync();
  ASSERT_EQ(b->Dump("todos", false), std::vector<std::string>{"a1|from a|0"});

  Forger poisoner(30, library_, 0);
  home::HomeRef session = OpenAs(poisoner);
  ASSERT_NE(session, nullptr);
  poisoner.Enrol(*session, library_.member_seed);
  ASSERT_FALSE(HasFatalFailure());
  poisoner.schema_version = SchemaVersionOf(*session, *a);
  ASSERT_NE(poisoner.schema_version, 0u);
  const Hlc poison_stamp = poisoner.Stamp(10);
  Bytes poison = TodoInsert("poisoned", "never applied", poison_stamp);
  poison.push_back(0xff);
  poison.push_back(0x01);
  poisoner.PutLog(*session, 1, poison, poison_stamp, poison_stamp);
  poisoner.PutRow(*session, 2, "f2", 20);
  poisoner.PutHead(*session, 2);
  ASSERT_FALSE(HasFailure()) << "the hub refused the insider's push";

  clock_->Advance(100);
  const auto received = b->Sync();
  EXPECT_EQ(received.quarantined, 1u);
  EXPECT_EQ(received.pulled_objects, 1u);  // f2; the poison is not applied.
  ExpectQuarantinedOn(*b, poisoner.LogPath(1), "record kind 255");
  EXPECT_EQ(b->Dump("todos", false),
            (std::vector<std::string>{"a1|from a|0", "f2|forged f2|0"}));
  EXPECT_TRUE(b->manager().status().waiting.empty())
      << b->manager().status().waiting[0].reason;

  // The author is not stalled: its next object, and the next flush of a
  // real device of the same member, both apply.
  poisoner.PutRow(*session, 3, "f3", 30);
  poisoner.PutHead(*session, 3);
  clock_->Advance(100);
  a->Exec(
      "INSERT INTO todos VALUES('a2', 'a after the poison', 0, "
      "coven_hlc())");
  const auto flushed = a->Sync();
  EXPECT_EQ(flushed.flushed_rows, 1u);
  EXPECT_EQ(flushed.quarantined, 1u);  // A pulls the poison too.
  ExpectQuarantinedOn(*a, poisoner.LogPath(1), "record kind 255");
  const auto later = b->Sync();
  EXPECT_EQ(later.quarantined, 0u);
  EXPECT_EQ(later.pulled_objects, 2u);  // A's a2 and the poisoner's f3.
  const std::vector<std::string> rows = {"a1|from a|0",
                                         "a2|a after the poison|0",
                                         "f2|forged f2|0", "f3|forged f3|0"};
  EXPECT_EQ(b->Dump("todos", false), rows);
  EXPECT_EQ(a->Dump("todos", false), rows);
  EXPECT_EQ(a->Dump("todos"), b->Dump("todos"));
  // The poison stays the only object set aside.
  ASSERT_EQ(b->manager().status().quarantined.size(), 1u);
  EXPECT_EQ(b->manager().status().quarantined[0].path, poisoner.LogPath(1));

  // A device joining afterwards pulls the whole history in one round.
  auto c = Device(3, /*first=*/false);
  ASSERT_NE(c, nullptr);
  const auto joined = c->Sync();
  EXPECT_EQ(joined.quarantined, 1u);
  ExpectQuarantinedOn(*c, poisoner.LogPath(1), "record kind 255");
  EXPECT_EQ(c->Dump("todos", false), rows);
}

INSTANTIATE_TEST_SUITE_P(Stores, HubScenarioInsiderTest, EveryHubStore(),
                         HubStoreName);

}  // namespace
}  // namespace coven::testing
