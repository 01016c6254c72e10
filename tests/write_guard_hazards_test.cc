// The write guard's refusing triggers exist only while the device may not
// write (src/engine/write_guard.h); these are the cases where they cannot
// simply be created: a demotion seen while the host holds a transaction
// open, triggers that fail to be created, and a Reader's own start-up flush,
// which restamps rows and must not be refused by its own guard.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>

#include "coven/memory_home.h"
#include "members/member_entry.h"
#include "members/member_identity.h"
#include "test_device.h"

namespace coven::testing {

namespace {

constexpr std::int64_t kHazardsStartMs = 1'700'000'000'000;
constexpr const char* kRefused = "may not change synced tables";

// An owner device and a device of a second member, invited with `role` and
// synced until it is accepted.
struct Pair {
  std::unique_ptr<TestDevice> owner;
  std::unique_ptr<TestDevice> member;
  std::string member_id;
};

Pair MakePair(std::uint64_t seed, members::MemberRole role,
              TestDevice::Options member_options = {}) {
  Pair pair;
  auto home = home::MemoryHome::Create();
  auto clock = std::make_shared<ManualClock>(kHazardsStartMs);
  const TestLibrary owner = MakeLibrary(seed);
  TestLibrary member = owner;
  member.member_seed.fill(0x6d);
  const auto identity =
      members::MemberIdentity::FromSeed(member.member_seed).public_identity();
  pair.member_id = members::MemberIdHex(identity.sign);
  pair.owner = TestDevice::Create(owner, home, 1, clock);
  pair.member = TestDevice::Create(member, home, 2, clock, member_options);
  if (!pair.owner || !pair.member) return pair;
  pair.owner->Sync();
  EXPECT_TRUE(pair.owner->manager()
                  .invite_member(members::IdentityHex(identity), role)
                  .ok());
  for (int round = 0; round < 2; ++round) {
    pair.owner->Sync();
    pair.member->Sync();
  }
  return pair;
}

void Demote(Pair& pair) {
  ASSERT_TRUE(pair.owner->manager()
                  .change_role(pair.member_id, members::MemberRole::Reader)
                  .ok());
  pair.owner->Sync();
}

// Denies creating TEMP triggers, as a host's own authorizer might.
int DenyTempTriggers(void*, int action, const char*, const char*, const char*,
                     const char*) {
  return action == SQLITE_CREATE_TEMP_TRIGGER ? SQLITE_DENY : SQLITE_OK;
}

TEST(WriteGuardHazardsTest, ADemotionSeenInsideAHostTransactionRefusesAtOnce) {
  Pair pair = MakePair(71, members::MemberRole::Writer);
  ASSERT_TRUE(pair.owner && pair.member);
  TestDevice& c = *pair.member;
  c.Exec("BEGIN; INSERT INTO todos VALUES('c1', 'c', 0, coven_hlc());");
  Demote(pair);
  // A round on the host's thread while its transaction is open: it learns
  // the demotion, but the triggers cannot be created inside the host's
  // transaction. The round itself reports that it cannot apply.
  (void)c.manager().sync_now();
  // The host's next write in the same transaction is refused all the same.
  EXPECT_NE(c.TryExec("INSERT INTO todos VALUES('c2', 'c', 0, coven_hlc())"),
            "");
  EXPECT_NE(c.TryExec("UPDATE todos SET title = 'x' WHERE id = 'c1'"), "");
  EXPECT_NE(c.TryExec("DELETE FROM todos WHERE id = 'c1'"), "");
  // Tables coven does not sync stay writable.
  EXPECT_EQ(c.TryExec("CREATE TABLE local_only(x); INSERT INTO local_only "
                      "VALUES(1)"),
            "");
  c.Exec("ROLLBACK");
  // Once the host's transaction is over, the next round creates the
  // triggers: refused with coven's message.
  c.Sync();
  EXPECT_NE(c.TryExec("INSERT INTO todos VALUES('c3', 'c', 0, coven_hlc())")
                .find(kRefused),
            std::string::npos);
  // Remote changes still apply.
  pair.owner->Exec("INSERT INTO todos VALUES('o1', 'o', 0, coven_hlc())");
  pair.owner->Sync();
  c.Sync();
  EXPECT_EQ(c.Dump("todos"), pair.owner->Dump("todos"));
}

TEST(WriteGuardHazardsTest, TriggersThatCannotBeCreatedLeaveTheGuardClosed) {
  Pair pair = MakePair(72, members::MemberRole::Writer);
  ASSERT_TRUE(pair.owner && pair.member);
  TestDevice& c = *pair.member;
  {
    std::lock_guard<std::recursive_mutex> lock(c.sync_db().write_mutex());
    sqlite3_set_authorizer(c.db(), DenyTempTriggers, nullptr);
  }
  Demote(pair);
  auto round = c.manager().sync_now();
  ASSERT_TRUE(round.ok()) << round.status().ToString();
  bool reported = false;
  for (const std::string& problem : round->problems) {
    reported |= problem.find("closing synced tables") != std::string::npos;
  }
  EXPECT_TRUE(reported) << ::testing::PrintToString(round->problems);
  // Refused although the triggers are missing.
  EXPECT_NE(c.TryExec("INSERT INTO todos VALUES('c1', 'c', 0, coven_hlc())"),
            "");
  EXPECT_EQ(c.Dump("todos").size(), 0u);
  // The owner's writes still apply.
  pair.owner->Exec("INSERT INTO todos VALUES('o1', 'o', 0, coven_hlc())");
  pair.owner->Sync();
  c.Sync();
  EXPECT_EQ(c.Dump("todos"), pair.owner->Dump("todos"));
  EXPECT_NE(c.TryExec("INSERT INTO todos VALUES('c2', 'c', 0, coven_hlc())"),
            "");
  // Promoted again, it writes.
  ASSERT_TRUE(pair.owner->manager()
                  .change_role(pair.member_id, members::MemberRole::Writer)
                  .ok());
  pair.owner->Sync();
  c.Sync();
  EXPECT_EQ(c.TryExec("INSERT INTO todos VALUES('c3', 'c', 0, coven_hlc())"),
            "");
  c.Sync();
  pair.owner->Sync();
  EXPECT_EQ(pair.owner->Dump("todos"), c.Dump("todos"));
}

TEST(WriteGuardHazardsTest, AReadersStartUpFlushIsNotRefusedByItsOwnGuard) {
  // Rows that exist before the Reader's first start: its first flush scans
  // and restamps them (and drops them: a Reader publishes nothing).
  TestDevice::Options options;
  options.extra_schema =
      "INSERT INTO todos VALUES('pre1', 'local', 0, '2000-01-01 00:00:00');"
      "INSERT INTO todos VALUES('pre2', 'local', 0, '2000-01-01 00:00:00');";
  Pair pair = MakePair(73, members::MemberRole::Reader, options);
  ASSERT_TRUE(pair.owner && pair.member);
  TestDevice& c = *pair.member;
  auto round = c.manager().sync_now();
  ASSERT_TRUE(round.ok()) << round.status().ToString();
  EXPECT_NE(c.TryExec("INSERT INTO todos VALUES('c1', 'c', 0, coven_hlc())")
                .find(kRefused),
            std::string::npos);
  pair.owner->Exec("INSERT INTO todos VALUES('o1', 'o', 0, coven_hlc())");
  pair.owner->Sync();
  round = c.manager().sync_now();
  ASSERT_TRUE(round.ok()) << round.status().ToString();
  EXPECT_EQ(c.Dump("todos", false).size(), 3u);
  EXPECT_EQ(pair.owner->Dump("todos", false).size(), 1u);
}

}  // namespace
}  // namespace coven::testing
