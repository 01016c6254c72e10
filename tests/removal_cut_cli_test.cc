// Security review finding 1, through the coven and todos programs on a
// folder home: a member that loses the right to write (removed, or demoted
// to Reader) hides the entry that says so from itself (it works against a
// copy of the home without it), adds a row and overwrites the Owner's row,
// and puts its objects, naming its old member-log position and sealed with
// the old key, into the real home. Every device must reject them: the
// Owner, and a device restored from the Owner's restore code afterwards.
#include <gtest/gtest.h>

#include <filesystem>

#include "cli_harness.h"

namespace coven::testing {
namespace {

namespace fs = std::filesystem;

class RemovalCutCliTest : public CliTest {
 protected:
  void SetUp() override {
    ASSERT_EQ(InitOwner("owner").exit_code, 0);
    CommandResult joined = InviteAndJoin("owner", "x", "writer");
    ASSERT_EQ(joined.exit_code, 0) << joined.output;
    ASSERT_EQ(
        Todos("add --dir " + Dir("owner") + " --id a1 owner-row").exit_code, 0);
    ASSERT_EQ(Todos("add --dir " + Dir("x") + " --id x1 x-row").exit_code, 0);
    for (const char* who : {"owner", "x", "owner"}) {
      CommandResult sync = Todos("sync --dir " + Dir(who));
      ASSERT_EQ(sync.exit_code, 0) << who << ": " << sync.output;
    }
    ASSERT_NE(List("x").find("owner-row"), std::string::npos);
    ASSERT_NE(List("owner").find("x-row"), std::string::npos);
    // What X has verified of the member log.
    known_slots_ = MemberSlots();
  }

  std::string List(const std::string& who) {
    return Todos("list --dir " + Dir(who)).output;
  }
  std::vector<std::string> MemberSlots() {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(Home() + "/members")) {
      out.push_back(e.path().filename().string());
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  std::string XMemberId() {
    const std::string status = Coven("status --dir " + Dir("x")).output;
    const auto at = status.find("member    ");
    return at == std::string::npos ? "" : status.substr(at + 10, 16);
  }

  /// X writes against a view of the home without the member-log slots it
  /// had not seen (moved aside and back), so its objects name its old
  /// position and use the old key.
  void XWritesBehindTheCut() {
    const std::string aside = Dir("aside");
    fs::create_directories(aside);
    std::vector<std::string> hidden;
    for (const std::string& slot : MemberSlots()) {
      if (std::find(known_slots_.begin(), known_slots_.end(), slot) ==
          known_slots_.end()) {
        fs::rename(Home() + "/members/" + slot, aside + "/" + slot);
        hidden.push_back(slot);
      }
    }
    ASSERT_FALSE(hidden.empty());
    CommandResult add = Todos("add --dir " + Dir("x") + " --id x2 forged-row");
    EXPECT_EQ(add.exit_code, 0) << add.output;
    CommandResult edit =
        Todos("edit --dir " + Dir("x") + " a1 owner-row-overwritten-by-x");
    EXPECT_EQ(edit.exit_code, 0) << edit.output;
    for (const std::string& slot : hidden) {
      fs::rename(aside + "/" + slot, Home() + "/members/" + slot);
    }
    // X's objects are in the real home.
    EXPECT_GE(std::distance(fs::directory_iterator(Home() + "/log"),
                            fs::directory_iterator{}),
              2);
  }

  /// Neither the owner nor a device restored afterwards applies X's
  /// writes past the cut; both keep X's earlier row.
  void EveryDeviceRejects() {
    CommandResult sync = Todos("sync --dir " + Dir("owner"));
    EXPECT_EQ(sync.exit_code, 0) << sync.output;
    EXPECT_NE(sync.output.find("lost the right to write"), std::string::npos)
        << sync.output;
    for (const std::string who : {"owner", "restored"}) {
      if (who == "restored") {
        CommandResult restored = JoinWithRestoreCode("owner", "restored");
        ASSERT_EQ(restored.exit_code, 0) << restored.output;
        EXPECT_EQ(Todos("sync --dir " + Dir(who)).exit_code, 0);
      }
      const std::string list = List(who);
      EXPECT_NE(list.find("owner-row"), std::string::npos) << who << list;
      EXPECT_EQ(list.find("overwritten"), std::string::npos) << who << list;
      EXPECT_EQ(list.find("forged-row"), std::string::npos) << who << list;
      EXPECT_NE(list.find("x-row"), std::string::npos) << who << list;
    }
  }

  std::vector<std::string> known_slots_;
};

TEST_F(RemovalCutCliTest, RemovedMembersBackdatedWritesAreRejectedEverywhere) {
  const std::string x = XMemberId();
  ASSERT_EQ(x.size(), 16u);
  CommandResult removed = Coven("remove " + x + " --dir " + Dir("owner"));
  ASSERT_EQ(removed.exit_code, 0) << removed.output;
  XWritesBehindTheCut();
  EveryDeviceRejects();
}

TEST_F(RemovalCutCliTest, DemotedReadersBackdatedWritesAreRejectedEverywhere) {
  const std::string x = XMemberId();
  ASSERT_EQ(x.size(), 16u);
  CommandResult demoted = Coven("role " + x + " reader --dir " + Dir("owner"));
  ASSERT_EQ(demoted.exit_code, 0) << demoted.output;
  XWritesBehindTheCut();
  EveryDeviceRejects();
  // X itself, once it sees the demotion, reads what everyone has.
  EXPECT_EQ(Todos("sync --dir " + Dir("x")).exit_code, 5);
  const std::string list = List("x");
  EXPECT_NE(list.find("owner-row"), std::string::npos) << list;
  EXPECT_EQ(list.find("overwritten"), std::string::npos) << list;
  EXPECT_EQ(list.find("forged-row"), std::string::npos) << list;
  EXPECT_NE(Coven("status --dir " + Dir("x")).output.find("ALARM"),
            std::string::npos);
}

}  // namespace
}  // namespace coven::testing
