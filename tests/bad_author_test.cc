// Objects from devices the test controls: a wrong or unknown library key, an
// object replayed under another seq or another device's path, a broken chain,
// another library, stamps from the future. None of them applies, none blocks
// another author, and the receiving device says why.
#include <gtest/gtest.h>

#include "bad_input_util.h"
#include "home_test_limits.h"
#include "sealed_object_test_util.h"

namespace coven::testing {
namespace {

constexpr std::size_t kKeyIdOffset = 22;

crypto::LibraryKey OtherKey() {
  SeededEntropy entropy(77);
  return crypto::LibraryKey::Generate(entropy);
}

// An outsider (a member identity the member log does not list, holding a
// guessed library key) shares the home: it is never enrolled, publishes
// nothing, and cannot read; B goes on syncing A.
TEST_F(BadInputTest, OutsiderWithAnotherKeyIsReportedNotApplied) {
  Insert(*a_, "a0", "founds the library");
  a_->Sync();
  TestLibrary outsider_library = library_;
  outsider_library.key.bytes = OtherKey().bytes();
  outsider_library.member_seed[0] ^= 0xff;
  auto outsider = TestDevice::Create(outsider_library, home_, 3, clock_);
  ASSERT_TRUE(outsider);
  Insert(*outsider, "e1", "outsider row");
  outsider->Sync();
  EXPECT_TRUE(HasProblem(*outsider, "not published", "not a member"));
  EXPECT_EQ(home::ListAll(*home_, engine::LogPath(DeviceOf(*outsider), 1),
                          kTestMaxList)
                ->size(),
            0u);
  Insert(*a_, "a1", "from a");
  a_->Sync();

  auto report = Round(*b_);
  EXPECT_EQ(report.quarantined, 0u);
  EXPECT_EQ(report.pulled_objects, 2u);
  EXPECT_EQ(Ids(*b_), (std::vector<std::string>{"a0", "a1"}));
  Insert(*a_, "a2", "still syncing");
  a_->Sync();
  EXPECT_EQ(Round(*b_).pulled_objects, 1u);
  EXPECT_EQ(Round(*outsider).pulled_objects, 0u);
  EXPECT_EQ(Ids(*outsider), std::vector<std::string>{"e1"});
}

// A log object whose key id this device does not know is held, not
// quarantined: it may be sealed with a newer (rotated) key that has not
// reached this device yet. It blocks only its own author's later objects.
TEST_F(BadInputTest, LogUnderUnknownKeyIsHeldAndBlocksOnlyItsAuthor) {
  Insert(*a_, "a1", "from a");
  a_->Sync();
  Forger f = Insider(20);
  const crypto::LibraryKey other = OtherKey();
  object::ObjectHeader header = f.Header(1, f.Stamp(), f.Stamp());
  header.key_id = other.id();
  f.Put(*home_, 1,
        f.Seal(f.LogPath(1), header, TodoInsert("f1", "x", f.Stamp()), &other));
  f.PutRow(*home_, 2, "f2");
  f.PutHead(*home_, 2);

  for (int round = 0; round < 2; ++round) {
    auto report = Round(*b_);
    EXPECT_EQ(report.quarantined, 0u);
    EXPECT_TRUE(HasProblem(*b_, f.LogPath(1),
                           "sealed with a library key this device does not "
                           "have; waiting"));
  }
  EXPECT_EQ(Ids(*b_), std::vector<std::string>{"a1"});
  EXPECT_TRUE(b_->manager().status().quarantined.empty());
  Insert(*a_, "a2", "not blocked");
  a_->Sync();
  EXPECT_EQ(Round(*b_).pulled_objects, 1u);
  EXPECT_EQ(Ids(*b_), (std::vector<std::string>{"a1", "a2"}));
}

// The header names this library's key id, but the chunks were encrypted with
// another key (the author re-signed the edited header): quarantined.
TEST_F(BadInputTest, ClaimedKeyIdWithAnotherKeyIsQuarantined) {
  Insert(*a_, "a1", "from a");
  a_->Sync();
  Forger f = Insider(21);
  const crypto::LibraryKey other = OtherKey();
  object::ObjectHeader header = f.Header(1, f.Stamp(), f.Stamp());
  header.key_id = other.id();
  Bytes object =
      f.Seal(f.LogPath(1), header, TodoInsert("f1", "x", f.Stamp()), &other);
  const crypto::KeyId real = f.key.id();
  std::copy(real.begin(), real.end(), object.begin() + kKeyIdOffset);
  object::testing::ReSign(object, f.LogPath(1), f.signer);
  f.Put(*home_, 1, object);
  f.PutRow(*home_, 2, "f2");
  f.PutHead(*home_, 2);

  auto report = Round(*b_);
  EXPECT_EQ(report.quarantined, 1u);
  ExpectQuarantined(*b_, f.LogPath(1), "does not decrypt with library key");
  EXPECT_EQ(Ids(*b_), (std::vector<std::string>{"a1", "f2"}));
}

// Replays: an author re-signs an old object (header seq 1) for a later path,
// and A's seq-1 object is copied under the forger's path.
TEST_F(BadInputTest, ReplayedObjectsAreQuarantined) {
  Insert(*a_, "a1", "from a");
  a_->Sync();
  Forger f = Insider(22);
  f.PutRow(*home_, 1, "f1");
  Bytes replay = f.Seal(f.LogPath(2), f.Header(1, f.Stamp(), f.Stamp()),
                        TodoInsert("replayed", "x", f.Stamp()));
  f.Put(*home_, 2, replay);
  f.Put(*home_, 3, *home_->Get(LogPathOf(*a_, 1), kTestMaxRead));
  f.PutRow(*home_, 4, "f4");
  f.PutHead(*home_, 4);

  auto report = Round(*b_);
  EXPECT_EQ(report.quarantined, 2u);
  ExpectQuarantined(*b_, f.LogPath(2),
                    "its header names another position (device " +
                        DeviceIdToHex(f.device()) +
                        " seq 1): a replayed or misplaced object");
  ExpectQuarantined(*b_, f.LogPath(3),
                    "signature of device " + DeviceIdToHex(DeviceOf(*a_)) +
                        " does not verify");
  EXPECT_EQ(Ids(*b_), (std::vector<std::string>{"a1", "f1", "f4"}));
}

// A valid object of one device stored under another device's path.
TEST_F(BadInputTest, ObjectOfAnotherDeviceIsQuarantined) {
  Insert(*a_, "a1", "from a");
  a_->Sync();
  Forger f = Insider(23);
  Forger g = Insider(24);
  g.Put(*home_, 1,
        f.Seal(g.LogPath(1), f.Header(1, f.Stamp(), f.Stamp()),
               TodoInsert("misplaced", "x", f.Stamp())));
  g.PutRow(*home_, 2, "g2");
  g.PutHead(*home_, 2);

  EXPECT_EQ(Round(*b_).quarantined, 1u);
  ExpectQuarantined(*b_, g.LogPath(1),
                    "its header names another position (device " +
                        DeviceIdToHex(f.device()) + " seq 1)");
  EXPECT_EQ(Ids(*b_), (std::vector<std::string>{"a1", "g2"}));
}

TEST_F(BadInputTest, BrokenChainAndForeignLibraryAreQuarantined) {
  Insert(*a_, "a1", "from a");
  a_->Sync();
  Forger f = Insider(25);
  f.PutRow(*home_, 1, "f1");
  f.PutHead(*home_, 1);
  EXPECT_EQ(Round(*b_).pulled_objects, 2u);

  f.last_hash.fill(0x42);  // seq 2 does not link to seq 1
  f.PutRow(*home_, 2, "f2");
  object::ObjectHeader header = f.Header(3, f.Stamp(), f.Stamp());
  header.library_id.fill(0x99);
  f.Put(*home_, 3,
        f.Seal(f.LogPath(3), header, TodoInsert("f3", "x", f.Stamp())));
  f.PutRow(*home_, 4, "f4");
  f.PutHead(*home_, 4);

  auto report = Round(*b_);
  EXPECT_EQ(report.quarantined, 2u);
  EXPECT_EQ(report.pulled_objects, 1u);
  ExpectQuarantined(*b_, f.LogPath(2), "does not continue this device's chain");
  ExpectQuarantined(*b_, f.LogPath(3), "it belongs to another library");
  EXPECT_EQ(Ids(*b_), (std::vector<std::string>{"a1", "f1", "f4"}));
}

// Stamps further ahead than max_clock_drift_ms hold their author (not
// quarantined: the local clock may be the one behind) and only that author.
TEST_F(BadInputTest, FutureStampsHoldOnlyTheirAuthor) {
  Insert(*a_, "a1", "from a");
  a_->Sync();
  Forger f = Insider(26);
  f.PutRow(*home_, 1, "future", 3'600'000);
  f.PutHead(*home_, 1);

  auto report = Round(*b_);
  EXPECT_EQ(report.quarantined, 0u);
  EXPECT_EQ(report.pulled_objects, 1u);
  EXPECT_TRUE(HasProblem(*b_, f.LogPath(1), "held"));
  EXPECT_EQ(Ids(*b_), std::vector<std::string>{"a1"});

  clock_->Advance(3'600'000);
  EXPECT_EQ(Round(*b_).pulled_objects, 1u);
  EXPECT_EQ(Ids(*b_), (std::vector<std::string>{"a1", "future"}));
}

}  // namespace
}  // namespace coven::testing
