// A home that serves older state than a device has seen is detected and
// reported (SyncStatus::alarms, `coven status`), never silently accepted:
// a member log rolled back or forked, and a device's head and log rolled
// back.
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
  ASSERT_TRUE(home_->Delete(members::MemberEntryPath(2)).ok());
  b_->Sync();
  EXPECT_TRUE(HasAlarm(*b_, "rolled the member log back")) << "no alarm";
  // The device keeps the log it verified: nothing is forgotten.
  EXPECT_EQ(b_->manager().status().member_log_size, 2u);
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
