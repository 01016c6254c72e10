// A hub restored from a backup taken before a device joined: the hub's
// member log lost that device's entry. A device that verified the entry
// puts the same bytes back (the hub verifies them against its log like any
// append), so the device that joined is admitted again and every device
// applies what was written at the lost position.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "hub/hub_server.h"
#include "test_device.h"
#include "test_servers.h"
#include "util/child_process.h"

namespace coven::testing {
namespace {

constexpr std::int64_t kHubRestoreStartMs = 1'700'000'000'000;

// Replaces the contents of `to` with a copy of `from`.
void CopyDir(const std::string& from, const std::string& to) {
  for (const auto& entry : std::filesystem::directory_iterator(to)) {
    std::filesystem::remove_all(entry.path());
  }
  std::filesystem::copy(from, to, std::filesystem::copy_options::recursive);
}

bool AnyContains(const std::vector<std::string>& lines,
                 const std::string& part) {
  for (const std::string& line : lines) {
    if (line.find(part) != std::string::npos) return true;
  }
  return false;
}

TEST(HubMemberLogRestoreTest, ADeviceThatVerifiedTheLostEntryPutsItBack) {
  TempDir data("hub-restore-data");
  TempDir backup("hub-restore-backup");
  ASSERT_FALSE(data.path().empty());
  ASSERT_FALSE(backup.path().empty());
  auto hub = StartHubProcess(data.path(), 0);
  ASSERT_TRUE(hub.ok()) << hub.status().ToString();
  const int port = (*hub)->port();
  auto clock = std::make_shared<ManualClock>(kHubRestoreStartMs);
  const TestLibrary library = MakeLibrary(83);
  auto device = [&](std::uint64_t seed, bool first) {
    TestDevice::Options options;
    options.home_url = "hub://127.0.0.1:" + std::to_string(port) +
                       "/restored?plaintext=1&timeout_ms=5000";
    options.create_home = first;
    return TestDevice::Create(library, nullptr, seed, clock, options);
  };
  auto q1 = device(1, true);
  ASSERT_NE(q1, nullptr);
  q1->Sync();  // founds: members/1
  auto q2 = device(2, false);
  ASSERT_NE(q2, nullptr);
  q2->Sync();  // enrols: members/2
  q1->Sync();
  ASSERT_EQ(q1->manager().status().member_log_size, 2u);

  // The backup, taken with the hub stopped.
  (*hub)->Stop();
  CopyDir(data.path(), backup.path());
  hub = StartHubProcess(data.path(), port);
  ASSERT_TRUE(hub.ok()) << hub.status().ToString();

  auto q3 = device(3, false);
  ASSERT_NE(q3, nullptr);
  q3->Sync();  // enrols: members/3
  ASSERT_EQ(q3->manager().status().member_log_size, 3u);
  q1->Sync();
  ASSERT_EQ(q1->manager().status().member_log_size, 3u);
  q3->Exec("INSERT INTO todos VALUES('c1', 'from q3', 0, coven_hlc())");
  q3->Sync();
  q1->Exec("INSERT INTO todos VALUES('a1', 'from q1', 0, coven_hlc())");
  q1->Sync();

  // The restore: the hub's data as the backup holds it.
  (*hub)->Stop();
  CopyDir(backup.path(), data.path());
  hub = StartHubProcess(data.path(), port);
  ASSERT_TRUE(hub.ok()) << hub.status().ToString();

  // q1 verified 3 entries; the hub serves 2. q1 puts slot 3 back, and
  // pushes again the objects the hub lost (its audit, due once an hour).
  clock->Advance(3'600'001);
  auto healed = q1->manager().sync_now();
  ASSERT_TRUE(healed.ok()) << healed.status().ToString();
  EXPECT_TRUE(AnyContains(healed->problems, "put back member-log entries 3..3"))
      << "q1 did not put the lost entry back";
  EXPECT_FALSE(AnyContains(q1->manager().status().alarms, "is gone"))
      << "the rollback alarm stayed";
  EXPECT_TRUE(
      AnyContains(q1->manager().status().alarms, "rolled the member log back"))
      << "no record of the rollback";

  // q3 is admitted again (the hub's log lists it) and pushes what the hub
  // lost of its own log.
  auto q3_back = q3->manager().sync_now();
  ASSERT_TRUE(q3_back.ok()) << q3_back.status().ToString();
  EXPECT_EQ(q3->manager().status().member_log_size, 3u);
  q3->Exec("INSERT INTO todos VALUES('c2', 'again', 0, coven_hlc())");
  q3->Sync();

  // q2 (2 entries) reads slot 3 and applies what q1 and q3 wrote there.
  q2->Sync();
  EXPECT_EQ(q2->manager().status().member_log_size, 3u);
  EXPECT_TRUE(q2->manager().status().waiting.empty());
  EXPECT_EQ(
      q2->Dump("todos", false),
      (std::vector<std::string>{"a1|from q1|0", "c1|from q3|0", "c2|again|0"}));
  // No fork: every device shows one member log.
  EXPECT_EQ(q1->manager().status().member_log_size, 3u);
  EXPECT_FALSE(AnyContains(q2->manager().status().alarms, "forked"));
  EXPECT_FALSE(AnyContains(q3->manager().status().alarms, "forked"));
}

}  // namespace
}  // namespace coven::testing
