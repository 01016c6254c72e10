// A founding device adopts an existing member log only if its genesis names
// this library: a log of another library (a home shared by mistake, or a
// forged marker) is refused and nothing of it is stored.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "coven/memory_home.h"
#include "test_device.h"

namespace coven::testing {
namespace {

constexpr std::int64_t kGenesisStartMs = 1'700'000'000'000;

TEST(MembershipGenesisTest, AFoundingDeviceRefusesAnotherLibrarysLog) {
  auto home = home::MemoryHome::Create();
  auto clock = std::make_shared<ManualClock>(kGenesisStartMs);
  const TestLibrary first = MakeLibrary(1);
  const TestLibrary second = MakeLibrary(2);
  ASSERT_NE(first.id_hex, second.id_hex);
  auto a = TestDevice::Create(first, home, 1, clock);
  ASSERT_TRUE(a);
  a->Sync();  // founds the first library's member log

  auto b = TestDevice::Create(second, home, 2, clock);
  ASSERT_TRUE(b);
  auto report = b->manager().sync_now();
  ASSERT_FALSE(report.ok());
  const std::string message = report.status().ToString();
  EXPECT_NE(message.find("belongs to library " + first.id_hex +
                         ", not this library " + second.id_hex),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("the home holds another library"), std::string::npos)
      << message;
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(b->db(), "SELECT COUNT(*) FROM _coven_members",
                               -1, &stmt, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(stmt, 0), 0)
      << "nothing of the other library's log is stored";
  sqlite3_finalize(stmt);
}

}  // namespace
}  // namespace coven::testing
