// A home that lost key wraps (a cleanup, or a restore from a backup older
// than a rotation): a device that holds the current library key seals it
// again to every active member and device in its next check of the home,
// so a device that never fetched it reads on (docs/format/home-repair.md
// §5). Wraps of older keys are not re-sealed (a future-only member must
// not get them).
#include <gtest/gtest.h>

#include <atomic>

#include "coven/memory_home.h"
#include "home_test_limits.h"
#include "members/key_wrap.h"
#include "test_device.h"

namespace coven::testing {
namespace {

constexpr std::int64_t kWrapRepairStartMs = 1'700'000'000'000;
constexpr std::int64_t kPastWrapAuditMs = 3'600'000 + 1;

std::size_t DeleteAllUnder(home::Home& home, const std::string& prefix) {
  auto listed = home::ListAll(home, prefix, 100000);
  EXPECT_TRUE(listed.ok());
  if (!listed.ok()) return 0;
  for (const home::ObjectInfo& info : *listed) {
    EXPECT_TRUE(home.Delete(info.path).ok());
  }
  return listed->size();
}

// Forwards to a memory home; while armed, refuses the next create of a
// key wrap (a home that fails one request of several); while wrap reads
// fail, every read of a key wrap is refused as a passing failure.
class WrapFaultHome : public home::Home {
 public:
  explicit WrapFaultHome(home::HomeRef inner) : inner_(std::move(inner)) {}
  void ArmRefusal() { armed_ = true; }
  void FailWrapReads(bool fail) { fail_reads_ = fail; }

  Status Create(std::string_view path, ByteView data) override {
    if (armed_ && path.starts_with("keys/")) {
      armed_ = false;
      return UnavailableError("refused for the test: " + std::string(path));
    }
    return inner_->Create(path, data);
  }
  Status Replace(std::string_view path, ByteView data) override {
    return inner_->Replace(path, data);
  }
  Result<Bytes> Get(std::string_view path, std::uint64_t max_bytes) override {
    if (fail_reads_ && path.starts_with("keys/")) {
      return UnavailableError("read refused for the test: " +
                              std::string(path));
    }
    return inner_->Get(path, max_bytes);
  }
  Result<Bytes> GetRange(std::string_view path, std::uint64_t offset,
                         std::uint64_t length) override {
    return inner_->GetRange(path, offset, length);
  }
  Result<home::ListPage> List(std::string_view prefix,
                              std::string_view start_after,
                              std::size_t max_keys) override {
    return inner_->List(prefix, start_after, max_keys);
  }
  Status Delete(std::string_view path) override { return inner_->Delete(path); }
  home::Capabilities capabilities() const override {
    return inner_->capabilities();
  }
  std::string Describe() const override { return inner_->Describe(); }

 private:
  home::HomeRef inner_;
  std::atomic<bool> armed_{false};
  std::atomic<bool> fail_reads_{false};
};

bool ReportMentions(const sync::sync_manager::SyncReport& report,
                    const std::string& part) {
  for (const std::string& problem : report.problems) {
    if (problem.find(part) != std::string::npos) return true;
  }
  return false;
}

class KeyWrapRepairTest : public ::testing::Test {
 protected:
  void SetUp() override {
    home_ = home::MemoryHome::Create();
    a_home_ = std::make_shared<WrapFaultHome>(home_);
    b_home_ = std::make_shared<WrapFaultHome>(home_);
    clock_ = std::make_shared<ManualClock>(kWrapRepairStartMs);
    library_ = MakeLibrary(21);
    a_ = TestDevice::Create(library_, a_home_, 1, clock_);
    b_ = TestDevice::Create(library_, b_home_, 2, clock_);
    ASSERT_TRUE(a_ && b_);
    a_->Sync();
    b_->Sync();
    a_->Sync();
  }

  // Deletes every wrap in the home, lets A audit, and returns the wraps
  // then listed.
  std::vector<home::ObjectInfo> WrapsAfterLossAndAudit() {
    EXPECT_GT(DeleteAllUnder(*home_, "keys/"), 0u);
    clock_->Advance(kPastWrapAuditMs);
    a_->Sync();
    auto listed = home::ListAll(*home_, "keys/", 100000);
    EXPECT_TRUE(listed.ok());
    return listed.ok() ? *listed : std::vector<home::ObjectInfo>();
  }

  std::shared_ptr<home::MemoryHome> home_;
  std::shared_ptr<WrapFaultHome> a_home_;  // A's way to home_.
  std::shared_ptr<WrapFaultHome> b_home_;  // B's way to home_.
  std::shared_ptr<ManualClock> clock_;
  TestLibrary library_;
  std::unique_ptr<TestDevice> a_, b_;
};

// A rotates, the home loses every wrap before B fetched the new key, A
// writes. B cannot read until A's next check seals the key again; then B
// gets the row.
TEST_F(KeyWrapRepairTest, TheCurrentKeyIsSealedAgainWhenTheHomeLostItsWraps) {
  ASSERT_TRUE(a_->manager().rotate_key().ok());
  a_->Sync();
  ASSERT_GT(DeleteAllUnder(*home_, "keys/"), 0u);
  a_->Exec("INSERT INTO todos VALUES('after', 'x', 0, coven_hlc())");
  a_->Sync();
  // B says it waits (a data problem, exit 5 from the CLI), not a note.
  auto stuck = b_->Sync();
  ASSERT_EQ(stuck.waiting.size(), 1u);
  EXPECT_NE(stuck.waiting[0].find("does not hold the current library key"),
            std::string::npos)
      << stuck.waiting[0];
  EXPECT_NE(stuck.waiting[0].find("run `coven sync` there"), std::string::npos);
  EXPECT_NE(b_->manager().status().missing_key, "");
  EXPECT_TRUE(b_->Dump("todos", false).empty());

  clock_->Advance(kPastWrapAuditMs);  // A's next check of the home.
  auto repaired = a_->Sync();
  EXPECT_TRUE(ReportMentions(repaired, "had no wrap(s) of it in the home"))
      << "no note of the wraps put back";
  auto listed = home::ListAll(*home_, "keys/", 100000);
  ASSERT_TRUE(listed.ok());
  // The member (for restores) and both of its devices.
  EXPECT_EQ(listed->size(), 3u);

  auto reading = b_->Sync();
  EXPECT_TRUE(reading.waiting.empty());
  EXPECT_EQ(b_->manager().status().missing_key, "");
  EXPECT_EQ(b_->Dump("todos", false), (std::vector<std::string>{"after|x|0"}));
  // Nothing left to put back: the next check seals nothing.
  clock_->Advance(kPastWrapAuditMs);
  auto again = a_->Sync();
  EXPECT_FALSE(ReportMentions(again, "had no wrap(s) of it in the home"));
}

// Only the current key: a wrap of a key retired by a rotation is not
// sealed again (the device cannot tell whether a member was meant to
// read what was written before it joined).
TEST_F(KeyWrapRepairTest, WrapsOfOlderKeysAreNotSealedAgain) {
  auto founding = home::ListAll(*home_, "keys/", 100000);
  ASSERT_TRUE(founding.ok());
  ASSERT_FALSE(founding->empty());
  const std::string retired_dir = founding->front().path.substr(0, 38);
  ASSERT_TRUE(a_->manager().rotate_key().ok());
  a_->Sync();
  const std::vector<home::ObjectInfo> listed = WrapsAfterLossAndAudit();
  EXPECT_EQ(listed.size(), 3u);
  for (const home::ObjectInfo& info : listed) {
    EXPECT_NE(info.path.substr(0, 38), retired_dir)
        << info.path << " seals the retired key";
  }
}

// A removed device is not sealed the current key again: the wraps put
// back are the member's and its two remaining devices'.
TEST_F(KeyWrapRepairTest, ARemovedDeviceIsSealedNothing) {
  auto c = TestDevice::Create(library_, home_, 3, clock_);
  ASSERT_NE(c, nullptr);
  c->Sync();
  a_->Sync();
  const std::string removed = c->manager().status().device_id;
  ASSERT_TRUE(a_->manager().remove_device(removed).ok());  // Rotates.
  a_->Sync();
  const std::vector<home::ObjectInfo> listed = WrapsAfterLossAndAudit();
  EXPECT_EQ(listed.size(), 3u);
  for (const home::ObjectInfo& info : listed) {
    EXPECT_FALSE(info.path.ends_with("/" + removed))
        << info.path << " seals the current key to the removed device";
  }
}

// A wrap the home refuses does not keep the others from being sealed: the
// round names the failure, and the check a minute later seals the one left.
TEST_F(KeyWrapRepairTest, OneRefusedWrapDoesNotStopTheOthers) {
  ASSERT_GT(DeleteAllUnder(*home_, "keys/"), 0u);
  a_home_->ArmRefusal();
  clock_->Advance(kPastWrapAuditMs);
  auto partial = a_->Sync();
  EXPECT_TRUE(ReportMentions(
      partial,
      "1 missing wrap(s) of the current key could not be sealed (2 "
      "were)"));
  auto listed = home::ListAll(*home_, "keys/", 100000);
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->size(), 2u);

  clock_->Advance(60'001);
  auto rest = a_->Sync();
  EXPECT_TRUE(ReportMentions(rest, "sealed the current library key to 1 "));
  listed = home::ListAll(*home_, "keys/", 100000);
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->size(), 3u);
}

// A wrap that is there but does not open (planted or damaged) is named in
// the waiting line, with what to do: the repair never overwrites a wrap.
TEST_F(KeyWrapRepairTest, ARejectedWrapIsNamedInTheWaitingLine) {
  ASSERT_TRUE(a_->manager().rotate_key().ok());
  a_->Sync();
  auto listed = home::ListAll(*home_, "keys/", 100000);
  ASSERT_TRUE(listed.ok());
  for (const home::ObjectInfo& info : *listed) {
    ASSERT_TRUE(home_->Delete(info.path).ok());
    ASSERT_TRUE(home_->Create(info.path, Bytes(200, 7)).ok());
  }
  auto stuck = b_->Sync();
  ASSERT_EQ(stuck.waiting.size(), 1u);
  EXPECT_NE(stuck.waiting[0].find("was rejected"), std::string::npos)
      << stuck.waiting[0];
  EXPECT_NE(stuck.waiting[0].find("delete that file from the home"),
            std::string::npos)
      << stuck.waiting[0];
}

// A wrap that cannot be read for now (the home fails the request) is not
// a missing key: the round notes the failure and reads it again next time,
// with no waiting line; once the home answers, B reads on.
TEST_F(KeyWrapRepairTest, AFailedWrapReadIsANoteNotAMissingKey) {
  ASSERT_TRUE(a_->manager().rotate_key().ok());
  a_->Exec("INSERT INTO todos VALUES('rotated', 'x', 0, coven_hlc())");
  a_->Sync();
  b_home_->FailWrapReads(true);
  auto failing = b_->Sync();
  EXPECT_TRUE(failing.waiting.empty())
      << "a failed read is not a missing key: " << failing.waiting[0];
  EXPECT_EQ(b_->manager().status().missing_key, "");
  EXPECT_TRUE(ReportMentions(failing, "tried again in the next round"));
  EXPECT_TRUE(b_->Dump("todos", false).empty());

  b_home_->FailWrapReads(false);
  auto reading = b_->Sync();
  EXPECT_TRUE(reading.waiting.empty());
  EXPECT_EQ(b_->Dump("todos", false),
            (std::vector<std::string>{"rotated|x|0"}));
}

}  // namespace
}  // namespace coven::testing
