// The write guard: a Reader's writes to synced tables are refused with
// coven's message, also through a statement the host prepared while it
// could still write; remote changes still apply on the Reader; and a device
// that may write again writes through the same statement.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>

#include "coven/memory_home.h"
#include "members/member_entry.h"
#include "members/member_identity.h"
#include "test_device.h"

namespace coven::testing {
namespace {

constexpr std::int64_t kGuardStartMs = 1'700'000'000'000;

// A statement prepared once, stepped as the host would reuse it.
class Prepared {
 public:
  Prepared(TestDevice& device, const std::string& sql) : device_(device) {
    EXPECT_EQ(sqlite3_prepare_v2(device.db(), sql.c_str(), -1, &stmt_, nullptr),
              SQLITE_OK)
        << sqlite3_errmsg(device.db());
  }
  ~Prepared() { sqlite3_finalize(stmt_); }
  // Binds `id` and runs the statement; returns "" or the error message.
  std::string Run(const std::string& id) {
    std::lock_guard<std::recursive_mutex> lock(device_.sync_db().write_mutex());
    sqlite3_bind_text(stmt_, 1, id.c_str(), -1, SQLITE_TRANSIENT);
    const int rc = sqlite3_step(stmt_);
    std::string error =
        rc == SQLITE_DONE ? "" : std::string(sqlite3_errmsg(device_.db()));
    sqlite3_reset(stmt_);
    return error;
  }

 private:
  TestDevice& device_;
  sqlite3_stmt* stmt_ = nullptr;
};

TEST(WriteGuardTest, AReadersPreparedWriteIsRefusedAndRemoteChangesApply) {
  auto home = home::MemoryHome::Create();
  auto clock = std::make_shared<ManualClock>(kGuardStartMs);
  const TestLibrary owner = MakeLibrary(61);
  TestLibrary member = owner;
  member.member_seed.fill(0x5c);
  const auto identity =
      members::MemberIdentity::FromSeed(member.member_seed).public_identity();
  auto o = TestDevice::Create(owner, home, 1, clock);
  auto c = TestDevice::Create(member, home, 2, clock);
  ASSERT_TRUE(o && c);
  o->Sync();
  ASSERT_TRUE(o->manager()
                  .invite_member(members::IdentityHex(identity),
                                 members::MemberRole::Writer)
                  .ok());
  for (int round = 0; round < 2; ++round) {
    o->Sync();
    c->Sync();
  }

  // Prepared while C may write: they run.
  Prepared insert(*c, "INSERT INTO todos VALUES(?, 'c', 0, coven_hlc())");
  Prepared update(*c,
                  "UPDATE todos SET title = 'c2', _updated_at = coven_hlc() "
                  "WHERE id = ?");
  Prepared remove(*c, "DELETE FROM todos WHERE id = ?");
  ASSERT_EQ(insert.Run("c1"), "");
  ASSERT_EQ(insert.Run("c2"), "");
  ASSERT_EQ(update.Run("c1"), "");
  c->Sync();
  o->Sync();
  ASSERT_EQ(o->Dump("todos", false).size(), 2u);

  // The owner demotes C; once C has synced it, the same statements fail.
  ASSERT_TRUE(o->manager()
                  .change_role(members::MemberIdHex(identity.sign),
                               members::MemberRole::Reader)
                  .ok());
  o->Sync();
  c->Sync();
  const std::string refused = "may not change synced tables";
  EXPECT_NE(insert.Run("c3").find(refused), std::string::npos);
  EXPECT_NE(update.Run("c1").find(refused), std::string::npos);
  EXPECT_NE(remove.Run("c2").find(refused), std::string::npos);
  EXPECT_NE(c->TryExec("INSERT INTO todos VALUES('c4', 'c', 0, coven_hlc())")
                .find(refused),
            std::string::npos);
  // Tables coven does not sync stay writable.
  EXPECT_EQ(c->TryExec("CREATE TABLE local_only(x); INSERT INTO local_only "
                       "VALUES(1)"),
            "");

  // The owner's writes still reach the Reader, including deletions.
  o->Exec("INSERT INTO todos VALUES('o1', 'o', 0, coven_hlc())");
  o->Exec("DELETE FROM todos WHERE id = 'c2'");
  o->Sync();
  c->Sync();
  EXPECT_EQ(c->Dump("todos"), o->Dump("todos"));
  EXPECT_EQ(c->Dump("todos", false).size(), 2u);

  // Promoted again, C writes through the same statement.
  ASSERT_TRUE(o->manager()
                  .change_role(members::MemberIdHex(identity.sign),
                               members::MemberRole::Writer)
                  .ok());
  o->Sync();
  c->Sync();
  EXPECT_EQ(insert.Run("c5"), "");
  c->Sync();
  o->Sync();
  EXPECT_EQ(o->Dump("todos"), c->Dump("todos"));
  EXPECT_EQ(o->Dump("todos", false).size(), 3u);
}

}  // namespace
}  // namespace coven::testing
