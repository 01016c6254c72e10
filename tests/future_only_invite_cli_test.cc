// `coven invite --future-only` through the coven and todos programs: the
// key rotates first and only the new key is sealed to the newcomer, which
// reads what is written from then on, passes older objects over without
// waiting on them, and writes like any member. A default invite still
// shares all history.
#include <gtest/gtest.h>

#include <filesystem>

#include "cli_harness.h"

namespace coven::testing {
namespace {

class FutureOnlyInviteCliTest : public CliTest {
 protected:
  std::string List(const std::string& who) {
    CommandResult sync = Todos("sync --dir " + Dir(who));
    EXPECT_EQ(sync.exit_code, 0) << sync.output;
    return Todos("list --dir " + Dir(who)).output;
  }
  CommandResult Invite(const std::string& who, const std::string& flags) {
    CommandResult id = Coven("identity --dir " + Dir(who));
    if (id.exit_code != 0) return id;
    CommandResult invite =
        Coven("invite " + FirstLine(id.output) + " --role writer " + flags +
              " --dir " + Dir("owner"));
    if (invite.exit_code != 0) return invite;
    return Todos("init --dir " + Dir(who) + " --home " + Home() + " --join " +
                 FirstLine(invite.output));
  }
};

TEST_F(FutureOnlyInviteCliTest, TheNewcomerReadsOnlyWhatComesAfter) {
  ASSERT_EQ(InitOwner("owner").exit_code, 0);
  ASSERT_EQ(
      Todos("add --dir " + Dir("owner") + " --id t1 old-secret").exit_code, 0);
  ASSERT_EQ(Todos("add --dir " + Dir("owner") + " --id t2 old-title").exit_code,
            0);
  auto home = home::FolderHome::Open(Home());
  ASSERT_TRUE(home.ok());
  const crypto::KeyId old_key =
      ReadMemberLog(**home).current().current_key_id();

  CommandResult joined = Invite("bob", "--future-only");
  ASSERT_EQ(joined.exit_code, 0) << joined.output;
  const members::MemberLog log = ReadMemberLog(**home);
  EXPECT_NE(log.current().current_key_id(), old_key) << "no rotation";
  // Nothing of the old key was sealed to the newcomer.
  auto old_wraps =
      home::ListAll(**home, "keys/" + HexEncode(old_key) + "/", kTestMaxList);
  ASSERT_TRUE(old_wraps.ok());
  const std::string status_text = Coven("status --dir " + Dir("bob")).output;
  const std::size_t member_at = status_text.find("member    ");
  ASSERT_NE(member_at, std::string::npos) << status_text;
  const std::string bob_member = status_text.substr(member_at + 10, 16);
  EXPECT_FALSE(old_wraps->empty());
  for (const home::ObjectInfo& wrap : *old_wraps) {
    EXPECT_EQ(wrap.path.find(bob_member), std::string::npos) << wrap.path;
  }

  ASSERT_EQ(Todos("edit --dir " + Dir("owner") + " t2 updated-later").exit_code,
            0);
  ASSERT_EQ(Todos("add --dir " + Dir("owner") + " --id t3 new-row").exit_code,
            0);
  const std::string seen = List("bob");
  EXPECT_EQ(seen.find("old-secret"), std::string::npos) << seen;
  EXPECT_EQ(seen.find("old-title"), std::string::npos) << seen;
  EXPECT_NE(seen.find("updated-later"), std::string::npos) << seen;
  EXPECT_NE(seen.find("new-row"), std::string::npos) << seen;
  // Passed over, not waiting: status is clean.
  CommandResult status = Coven("status --dir " + Dir("bob"));
  EXPECT_EQ(status.exit_code, 0) << status.output;
  EXPECT_EQ(status.output.find("WAITING"), std::string::npos) << status.output;

  // The newcomer writes like any member.
  ASSERT_EQ(Todos("add --dir " + Dir("bob") + " --id t4 from-bob").exit_code,
            0);
  EXPECT_NE(List("owner").find("from-bob"), std::string::npos);

  // A default invite still shares everything.
  ASSERT_EQ(Invite("carol", "").exit_code, 0);
  const std::string all = List("carol");
  EXPECT_NE(all.find("old-secret"), std::string::npos) << all;
  EXPECT_NE(all.find("from-bob"), std::string::npos) << all;
}

}  // namespace
}  // namespace coven::testing
