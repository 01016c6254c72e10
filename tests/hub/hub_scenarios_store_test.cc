// claw-sync's acceptance scenario 12 (research/claw-sync.md §7) against a
// real coven-hub on SQLite and on PostgreSQL: someone holding the library
// id and every byte of the hub's store (the SQLite files; pg_dump of the
// database) can neither read the rows nor make a device accept an object
// they altered or sealed themselves.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "hub/hub_store_access.h"

namespace coven::testing {
namespace {

// Strings that occur nowhere but in the rows the devices write.
const std::vector<std::string> kSecrets = {
    "zebra-quartz-7319", "nebula-walnut-4421", "comet-saffron-9054",
    "harbor-violet-2207"};

TEST_P(HubStoreDumpTest, AFullDumpOfTheStoreHoldsNoPlaintext) {
  auto a = Device(library_, space_, 31, /*first=*/true);
  ASSERT_NE(a, nullptr);
  a->Exec("INSERT INTO todos VALUES('s1', '" + kSecrets[0] +
          "', 0, coven_hlc())");
  a->Exec("INSERT INTO todo_notes VALUES('n1', 's1', '" + kSecrets[1] +
          "', coven_hlc())");
  a->Sync();
  clock_->Advance(10);
  a->Exec("UPDATE todos SET title = '" + kSecrets[2] +
          "', _updated_at = coven_hlc() WHERE id = 's1'");
  a->Sync();
  auto b = Device(library_, space_, 32, /*first=*/false);
  ASSERT_NE(b, nullptr);
  b->Sync();
  b->Exec("INSERT INTO todos VALUES('s2', '" + kSecrets[3] +
          "', 1, coven_hlc())");
  b->Sync();
  a->Sync();
  // The rows did travel through this hub.
  ASSERT_EQ(a->Dump("todos", false),
            (std::vector<std::string>{"s1|" + kSecrets[2] + "|0",
                                      "s2|" + kSecrets[3] + "|1"}));

  const std::string dump = store_->Dump();
  // The dump is the store's content: it names the space in the clear.
  ASSERT_NE(dump.find(space_), std::string::npos)
      << "the dump is not the hub's store";
  for (const std::string& secret : kSecrets) {
    EXPECT_EQ(dump.find(secret), std::string::npos) << secret;
    EXPECT_EQ(dump.find(HexOfText(secret, false)), std::string::npos) << secret;
    EXPECT_EQ(dump.find(HexOfText(secret, true)), std::string::npos) << secret;
  }
}

TEST_P(HubStoreDumpTest, AnObjectAlteredOrForgedInTheStoreIsRejected) {
  ASSERT_NO_FATAL_FAILURE(UseAHubThatReadsItsStore());
  auto a = Device(library_, space_, 33, /*first=*/true);
  ASSERT_NE(a, nullptr);
  for (const char* id : {"kept", "altered", "forged-over"}) {
    a->Exec(std::string("INSERT INTO todos VALUES('") + id + "', '" + id +
            "', 0, coven_hlc())");
    a->Sync();
  }
  // The attacker knows the library id, not its keys: it seals an object of
  // its own for that id (its own library key and signing keys), in a space
  // of its own on the same hub.
  TestLibrary attacker = MakeLibrary(666);
  attacker.id_hex = library_.id_hex;
  const std::string attacker_space = UniqueSpace("attacker");
  auto m = Device(attacker, attacker_space, 34, /*first=*/true);
  ASSERT_NE(m, nullptr);
  m->Exec("INSERT INTO todos VALUES('forged', 'forged', 0, coven_hlc())");
  m->Sync();

  // "altered": one byte of its ciphertext flipped; "forged-over": replaced
  // by the attacker's object.
  StoredLogObject forged = store_->Read(space_);
  ASSERT_GE(forged.seq, 3);
  StoredLogObject altered = store_->Read(space_, forged.seq - 1);
  ASSERT_FALSE(altered.data.empty());
  const std::string original = forged.data;
  forged.data = store_->Read(attacker_space).data;
  ASSERT_NE(forged.data, original);
  altered.data[altered.data.size() / 2] ^= 0x01;
  store_->Write(space_, altered);
  store_->Write(space_, forged);

  auto c = Device(library_, space_, 35, /*first=*/false);
  ASSERT_NE(c, nullptr);
  std::size_t quarantined = 0;
  for (int round = 0; round < 3; ++round) {
    auto report = c->manager().sync_now();
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    quarantined += report->quarantined;
  }
  EXPECT_EQ(c->Dump("todos", false), std::vector<std::string>{"kept|kept|0"});
  const auto status = c->manager().status();
  for (const auto& q : status.quarantined) {
    std::printf("[ tampered ] %s: %s\n", q.path.c_str(), q.reason.c_str());
  }
  // Both are rejected, each named with its reason.
  EXPECT_EQ(quarantined, 2u);
  ASSERT_EQ(status.quarantined.size(), 2u)
      << "the device did not surface both rejected objects";
  EXPECT_NE(status.quarantined[0].reason.find("does not verify"),
            std::string::npos)
      << status.quarantined[0].reason;
  EXPECT_NE(status.quarantined[1].reason.find("does not verify"),
            std::string::npos)
      << status.quarantined[1].reason;
}

INSTANTIATE_TEST_SUITE_P(Stores, HubStoreDumpTest, EveryHubStore(),
                         HubStoreName);

}  // namespace
}  // namespace coven::testing
