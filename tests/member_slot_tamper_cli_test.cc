// Security review finding 2, through the coven and todos programs on a
// folder home: whoever holds the home overwrites the member-log slot of a
// removal with random bytes of the same size. The Owner, which verified the
// slot, raises an alarm; a member that had not seen it yet stops at the
// slot (an alarm, nothing published with the retired key, nothing applied
// from the Owner's newer history) and goes on once the slot is restored.
// Junk planted in a new slot blocks every device until an Owner skips it.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "cli_harness.h"
#include "coven/entropy.h"

namespace coven::testing {
namespace {

namespace fs = std::filesystem;

class MemberSlotTamperCliTest : public CliTest {
 protected:
  void SetUp() override {
    ASSERT_EQ(InitOwner("owner").exit_code, 0);
    for (const char* who : {"b", "x"}) {
      CommandResult joined = InviteAndJoin("owner", who, "writer");
      ASSERT_EQ(joined.exit_code, 0) << joined.output;
    }
    for (const char* who : {"owner", "b", "x"}) {
      ASSERT_EQ(Todos(std::string("sync --dir ") + Dir(who)).exit_code, 0);
    }
  }

  std::string Field(const std::string& who, const std::string& name) {
    const std::string status = Coven("status --dir " + Dir(who)).output;
    const auto at = status.find(name);
    return at == std::string::npos ? "" : status.substr(at + 10, 16);
  }
  std::size_t ObjectsOf(const std::string& who) {
    const fs::path dir = fs::path(Home()) / "log" / Field(who, "device    ");
    if (!fs::exists(dir)) return 0;
    return static_cast<std::size_t>(
        std::distance(fs::directory_iterator(dir), fs::directory_iterator{}));
  }
  std::vector<std::string> Slots() {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(Home() + "/members")) {
      out.push_back(e.path().string());
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  static Bytes ReadAll(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return Bytes((std::istreambuf_iterator<char>(in)),
                 std::istreambuf_iterator<char>());
  }
  static void WriteAll(const std::string& path, const Bytes& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
  }
  static Bytes Random(std::size_t size) {
    Bytes out(size);
    SystemEntropy().Fill(out);
    return out;
  }
};

TEST_F(MemberSlotTamperCliTest, SameSizeJunkOverARemovalIsCaughtEverywhere) {
  const std::string x = Field("x", "member    ");
  ASSERT_EQ(x.size(), 16u);
  ASSERT_EQ(Coven("remove " + x + " --dir " + Dir("owner")).exit_code, 0);
  const std::string removal = Slots().back();
  const Bytes real = ReadAll(removal);
  WriteAll(removal, Random(real.size()));

  // The owner verified that slot: it raises the alarm.
  Todos("sync --dir " + Dir("owner"));
  CommandResult owner = Coven("status --dir " + Dir("owner"));
  EXPECT_EQ(owner.exit_code, 5) << owner.output;
  EXPECT_NE(owner.output.find("ALARM"), std::string::npos) << owner.output;
  ASSERT_EQ(
      Todos("add --dir " + Dir("owner") + " --id a2 after-removal").exit_code,
      0);

  // B had not seen it: it stops there, publishes nothing (its todo would
  // be sealed with the key X still holds) and applies nothing newer.
  const std::size_t b_objects = ObjectsOf("b");
  CommandResult added =
      Todos("add --dir " + Dir("b") + " --id b2 written-while-blocked");
  EXPECT_NE(
      Todos("list --dir " + Dir("b")).output.find("written-while-blocked"),
      std::string::npos)
      << added.output;
  EXPECT_EQ(ObjectsOf("b"), b_objects);
  CommandResult b = Coven("status --dir " + Dir("b"));
  EXPECT_EQ(b.exit_code, 5) << b.output;
  EXPECT_NE(b.output.find("is blocked at members/"), std::string::npos)
      << b.output;
  EXPECT_EQ(Todos("list --dir " + Dir("b")).output.find("after-removal"),
            std::string::npos)
      << Todos("list --dir " + Dir("b")).output << added.output << b.output;

  // The slot comes back: B goes on, sees the removal, and its todo goes
  // out under the new key, where X cannot read it.
  WriteAll(removal, real);
  CommandResult synced = Todos("sync --dir " + Dir("b"));
  EXPECT_EQ(synced.exit_code, 0) << synced.output;
  EXPECT_GT(ObjectsOf("b"), b_objects)
      << synced.output << Coven("status --dir " + Dir("b")).output
      << RunCommand("ls -R " + Home() + "/log").output;
  EXPECT_NE(Todos("list --dir " + Dir("b")).output.find("after-removal"),
            std::string::npos);
  ASSERT_EQ(Todos("sync --dir " + Dir("owner")).exit_code, 0);
  EXPECT_NE(
      Todos("list --dir " + Dir("owner")).output.find("written-while-blocked"),
      std::string::npos);
  Todos("sync --dir " + Dir("x"));
  EXPECT_EQ(
      Todos("list --dir " + Dir("x")).output.find("written-while-blocked"),
      std::string::npos);
}

TEST_F(MemberSlotTamperCliTest, JunkInANewSlotBlocksUntilAnOwnerSkipsIt) {
  const std::string next = Home() + "/members/" + [&] {
    char buf[17];
    std::snprintf(buf, sizeof(buf), "%016zx", Slots().size() + 1);
    return std::string(buf);
  }();
  WriteAll(next, Random(300));
  for (const char* who : {"owner", "b"}) {
    // Its writes wait: the round says so with an alarm and exit code 5.
    CommandResult synced = Todos(std::string("sync --dir ") + Dir(who));
    EXPECT_EQ(synced.exit_code, 5) << who << ": " << synced.output;
    EXPECT_NE(synced.output.find("ALARM: the member log in"), std::string::npos)
        << who << ": " << synced.output;
    EXPECT_NE(synced.output.find("is blocked at members/"), std::string::npos)
        << who << ": " << synced.output;
    CommandResult status = Coven(std::string("status --dir ") + Dir(who));
    EXPECT_NE(status.output.find("is blocked at members/"), std::string::npos)
        << who << ": " << status.output;
  }
  // A writer may not skip it; the owner may.
  const std::string slot = std::to_string(Slots().size());
  CommandResult refused = Coven("skip-slot " + slot + " --dir " + Dir("b"));
  EXPECT_NE(refused.exit_code, 0) << refused.output;
  CommandResult skipped = Coven("skip-slot " + slot + " --dir " + Dir("owner"));
  ASSERT_EQ(skipped.exit_code, 0) << skipped.output;
  ASSERT_EQ(
      Todos("add --dir " + Dir("owner") + " --id a3 after-skip").exit_code, 0);
  CommandResult b = Todos("sync --dir " + Dir("b"));
  EXPECT_EQ(b.exit_code, 0) << b.output;
  EXPECT_NE(Todos("list --dir " + Dir("b")).output.find("after-skip"),
            std::string::npos);
  EXPECT_EQ(Coven("status --dir " + Dir("b")).output.find("is blocked"),
            std::string::npos);
}

}  // namespace
}  // namespace coven::testing
