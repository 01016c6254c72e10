// A home that serves older state than a device has seen is detected and
// reported (SyncStatus::alarms, `coven status`), never silently accepted:
// a member log rolled back (put back by the devices that verified the lost
// entries) or forked, and a device's head and log rolled back.
#include <gtest/gtest.h>

#include "coven/memory_home.h"
#include "home_test_limits.h"
#include "members/member_entry.h"
#include "members/member_identity.h"
#include "members/member_log.h"
#include "test_device.h"

namespace coven::testing {
namespace {

constexpr std::int64_t kRollbackStartMs = 1'700'000'000'000;

bool HasAlarm(TestDevice& device, const std::string& part) {
  for (const std::string& alarm : device.manager().status().alarms) {
    if (alarm.find(part) != std::string::npos) return true;
  }
  return false;
}

class RollbackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    home_ = home::MemoryHome::Create();
    clock_ = std::make_shared<ManualClock>(kRollbackStartMs);
    library_ = MakeLibrary(11);
    a_ = TestDevice::Create(library_, home_, 1, clock_);
    b_ = TestDevice::Create(library_, home_, 2, clock_);
    ASSERT_TRUE(a_ && b_);
    a_->Sync();  // founds: members/1
    b_->Sync();  // enrols: members/2
    a_->Sync();
    ASSERT_EQ(b_->manager().status().member_log_size, 2u);
    EXPECT_TRUE(b_->manager().status().alarms.empty());
  }

  std::shared_ptr<home::MemoryHome> home_;
  std::shared_ptr<ManualClock> clock_;
  TestLibrary library_;
  std::unique_ptr<TestDevice> a_, b_;
};

TEST_F(RollbackTest, MemberLogRolledBackIsAnAlarm) {
  auto verified = home_->Get(members::MemberEntryPath(2), kTestMaxRead);
  ASSERT_TRUE(verified.ok());
  ASSERT_TRUE(home_->Delete(members::MemberEntryPath(2)).ok());
  b_->Sync();
  // Recorded as an alarm until acknowledged, though B put the entry back.
  EXPECT_TRUE(HasAlarm(*b_, "rolled the member log back")) << "no alarm";
  // The device keeps the log it verified: nothing is forgotten.
  EXPECT_EQ(b_->manager().status().member_log_size, 2u);
  auto back = home_->Get(members::MemberEntryPath(2), kTestMaxRead);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, *verified);
}

bool HasProblem(const sync::sync_manager::SyncReport& report,
                const std::string& part) {
  for (const std::string& problem : report.problems) {
    if (problem.find(part) != std::string::npos) return true;
  }
  return false;
}

// A home restored from a backup taken before device C joined: C's add-device
// entry (members/3) is gone. A, which verified it, puts the very bytes back;
// B, which never saw slot 3, then applies what A and C wrote at position 3.
TEST_F(RollbackTest, LostMemberEntriesArePutBackByADeviceThatVerifiedThem) {
  auto c = TestDevice::Create(library_, home_, 3, clock_);
  ASSERT_NE(c, nullptr);
  c->Sync();  // enrols: members/3
  ASSERT_EQ(c->manager().status().member_log_size, 3u);
  a_->Sync();
  ASSERT_EQ(a_->manager().status().member_log_size, 3u);
  const std::string slot = members::MemberEntryPath(3);
  auto verified = home_->Get(slot, kTestMaxRead);
  ASSERT_TRUE(verified.ok());
  c->Exec("INSERT INTO todos VALUES('c1', 'from c', 0, coven_hlc())");
  c->Sync();
  a_->Exec("INSERT INTO todos VALUES('a1', 'from a', 0, coven_hlc())");
  a_->Sync();

  ASSERT_TRUE(home_->Delete(slot).ok());  // the restore
  const auto healed = a_->Sync();
  auto back = home_->Get(slot, kTestMaxRead);
  ASSERT_TRUE(back.ok()) << "A did not put " << slot << " back";
  EXPECT_EQ(*back, *verified) << "other bytes than A verified";
  EXPECT_TRUE(HasProblem(healed, "put back member-log entries 3..3"));
  EXPECT_EQ(healed.alarms.size(), 1u);
  // The live alarm ends; a record of the rollback stays until acknowledged.
  EXPECT_FALSE(HasAlarm(*a_, "is gone")) << "the rollback alarm stayed";
  EXPECT_TRUE(HasAlarm(*a_, "rolled the member log back"))
      << "no record of the rollback";
  EXPECT_EQ(a_->manager().status().member_log_size, 3u);

  // B (2 entries) now reads slot 3 and applies what A and C wrote there.
  b_->Sync();
  EXPECT_EQ(b_->manager().status().member_log_size, 3u);
  EXPECT_TRUE(b_->manager().status().alarms.empty());
  EXPECT_TRUE(b_->manager().status().waiting.empty());
  EXPECT_EQ(b_->Dump("todos", false),
            (std::vector<std::string>{"a1|from a|0", "c1|from c|0"}));
  // C is still a member: its next write arrives too, and C sees no alarm
  // (the home serves the entry it verified).
  c->Exec("INSERT INTO todos VALUES('c2', 'again', 0, coven_hlc())");
  c->Sync();
  EXPECT_TRUE(c->manager().status().alarms.empty());
  b_->Sync();
  EXPECT_EQ(b_->Dump("todos", false).size(), 3u);

  // Another round changes nothing; the record goes when acknowledged.
  const auto again = a_->Sync();
  EXPECT_FALSE(HasProblem(again, "put back"));
  ASSERT_TRUE(a_->manager().acknowledge_alarms().ok());
  EXPECT_TRUE(a_->manager().status().alarms.empty());
}

// A backup older by several entries: all of them come back, in order.
TEST_F(RollbackTest, SeveralLostMemberEntriesArePutBackInOrder) {
  auto c = TestDevice::Create(library_, home_, 3, clock_);
  auto d = TestDevice::Create(library_, home_, 4, clock_);
  ASSERT_TRUE(c && d);
  c->Sync();  // members/3
  d->Sync();  // members/4
  a_->Sync();
  ASSERT_EQ(a_->manager().status().member_log_size, 4u);
  std::vector<Bytes> verified;
  for (std::uint64_t seq : {3, 4}) {
    auto bytes = home_->Get(members::MemberEntryPath(seq), kTestMaxRead);
    ASSERT_TRUE(bytes.ok());
    verified.push_back(*bytes);
  }
  d->Exec("INSERT INTO todos VALUES('d1', 'from d', 0, coven_hlc())");
  d->Sync();
  ASSERT_TRUE(home_->Delete(members::MemberEntryPath(4)).ok());
  ASSERT_TRUE(home_->Delete(members::MemberEntryPath(3)).ok());
  const auto healed = a_->Sync();
  EXPECT_TRUE(HasProblem(healed, "put back member-log entries 3..4"));
  for (std::uint64_t seq : {3, 4}) {
    auto back = home_->Get(members::MemberEntryPath(seq), kTestMaxRead);
    ASSERT_TRUE(back.ok()) << "slot " << seq << " not put back";
    EXPECT_EQ(*back, verified[seq - 3]);
  }
  b_->Sync();
  EXPECT_EQ(b_->manager().status().member_log_size, 4u);
  EXPECT_EQ(b_->Dump("todos", false), std::vector<std::string>{"d1|from d|0"});
}

// Two devices that both verified the lost entry heal it; the second finds
// the same bytes back and counts the slot as done, without a fork alarm.
TEST_F(RollbackTest, LostMemberEntryPutBackTwiceIsNoFork) {
  auto c = TestDevice::Create(library_, home_, 3, clock_);
  ASSERT_NE(c, nullptr);
  c->Sync();
  a_->Sync();
  ASSERT_EQ(a_->manager().status().member_log_size, 3u);
  ASSERT_TRUE(home_->Delete(members::MemberEntryPath(3)).ok());
  a_->Sync();
  const auto second = c->Sync();
  EXPECT_FALSE(HasAlarm(*c, "forked"));
  EXPECT_FALSE(HasProblem(second, "put back"));
  EXPECT_TRUE(c->manager().status().alarms.empty());
}

// A slot that another device filled with a different entry while the home
// had lost it is a fork, not something to put back over.
TEST_F(RollbackTest, LostMemberEntryTakenByAnotherEntryIsAFork) {
  auto c = TestDevice::Create(library_, home_, 3, clock_);
  ASSERT_NE(c, nullptr);
  c->Sync();  // enrols: members/3
  a_->Sync();
  ASSERT_EQ(a_->manager().status().member_log_size, 3u);
  ASSERT_TRUE(home_->Delete(members::MemberEntryPath(3)).ok());
  // D enrols at slot 3, which is free again (B has verified 2 entries).
  auto d = TestDevice::Create(library_, home_, 4, clock_);
  ASSERT_NE(d, nullptr);
  d->Sync();
  auto taken = home_->Get(members::MemberEntryPath(3), kTestMaxRead);
  ASSERT_TRUE(taken.ok());
  a_->Sync();
  EXPECT_TRUE(HasAlarm(*a_, "forked")) << "no fork alarm";
  auto still = home_->Get(members::MemberEntryPath(3), kTestMaxRead);
  ASSERT_TRUE(still.ok());
  EXPECT_EQ(*still, *taken) << "A replaced another device's entry";
}

TEST_F(RollbackTest, ForkedMemberLogIsAnAlarm) {
  // Replace slot 2 with a different, validly signed entry (the same member
  // adding another device): a home showing this device another history.
  auto old = home_->Get(members::MemberEntryPath(1), kTestMaxRead);
  ASSERT_TRUE(old.ok());
  members::MemberLog log;
  log.Append(*old);
  auto member = members::MemberIdentity::FromSeed(library_.member_seed);
  SeededEntropy entropy(99);
  members::MemberEntry entry;
  entry.type = members::EntryType::kAddDevice;
  entry.library_id = log.current().library_id();
  entry.seq = 2;
  entry.prev_hash = log.head_hash();
  entry.signer = member.signer().public_key();
  entry.member_sign = member.signer().public_key();
  entry.device = crypto::SigningKeyPair::Generate(entropy).public_key();
  auto forged = members::EncodeEntry(entry, member.signer());
  ASSERT_TRUE(forged.ok());
  ASSERT_TRUE(home_->PutRaw(members::MemberEntryPath(2), *forged).ok());
  // Another view's next entry, linked to the forged slot 2.
  log.Append(*forged);
  members::MemberEntry next = entry;
  next.seq = 3;
  next.prev_hash = log.head_hash();
  next.device = crypto::SigningKeyPair::Generate(entropy).public_key();
  auto linked = members::EncodeEntry(next, member.signer());
  ASSERT_TRUE(linked.ok());
  ASSERT_TRUE(home_->PutRaw(members::MemberEntryPath(3), *linked).ok());
  b_->Sync();
  EXPECT_TRUE(HasAlarm(*b_, "forked")) << "no alarm";
}

TEST_F(RollbackTest, HeadAndLogRolledBackIsAnAlarm) {
  a_->Exec("INSERT INTO todos VALUES('t1', 'one', 0, coven_hlc())");
  a_->Sync();
  const std::string a_device = a_->manager().status().device_id;
  const std::string head_path = "heads/" + a_device;
  auto old_head = home_->Get(head_path, kTestMaxRead);
  ASSERT_TRUE(old_head.ok());
  a_->Exec("INSERT INTO todos VALUES('t2', 'two', 0, coven_hlc())");
  a_->Sync();
  b_->Sync();
  EXPECT_EQ(b_->Dump("todos", false).size(), 2u);
  // The home goes back to before t2: old head, newest log object gone.
  ASSERT_TRUE(home_->PutRaw(head_path, *old_head).ok());
  auto objects = home::ListAll(*home_, "log/" + a_device + "/", kTestMaxList);
  ASSERT_TRUE(objects.ok() && !objects->empty());
  ASSERT_TRUE(home_->Delete(objects->back().path).ok());
  b_->Sync();
  EXPECT_TRUE(HasAlarm(*b_, "rolled device " + a_device + " back"))
      << "no alarm";
  EXPECT_EQ(b_->Dump("todos", false).size(), 2u);  // nothing undone
}

TEST_F(RollbackTest, LaggingListingIsNotAnAlarm) {
  // A listing that lags (eventual consistency) but still serves the entry
  // is fine: the device reads the entry it remembers and finds it intact.
  a_->Exec("INSERT INTO todos VALUES('t1', 'one', 0, coven_hlc())");
  a_->Sync();
  b_->Sync();
  b_->Sync();
  EXPECT_TRUE(b_->manager().status().alarms.empty());
}

}  // namespace
}  // namespace coven::testing
