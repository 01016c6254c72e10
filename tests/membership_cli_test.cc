// End to end through the coven and todos programs, three library
// directories sharing one folder home: an Owner invites a Writer and a
// Reader; the Reader's write is refused locally and, forced into the home,
// rejected by everyone; the Owner removes the Writer, whose later writes are
// rejected by every device; after the rotation the old key opens no new
// object; the remaining members keep syncing.
#include <gtest/gtest.h>

#include "cli_harness.h"
#include "home_test_limits.h"

namespace coven::testing {
namespace {

class MembershipCliTest : public CliTest {
 protected:
  /// Syncs `who` and returns its todo list. `expected_exit` is 5 when the
  /// round rejects (quarantines) forced objects.
  std::string SyncAndList(const std::string& who, int expected_exit = 0) {
    CommandResult sync = Todos("sync --dir " + Dir(who));
    if (getenv("E2E_DEBUG")) std::cerr << who << ": " << sync.output;
    EXPECT_EQ(sync.exit_code, expected_exit) << who << ": " << sync.output;
    return Todos("list --dir " + Dir(who)).output;
  }
  std::string Status(const std::string& who) {
    return Coven("status --dir " + Dir(who)).output;
  }
  /// Invites the person of directory `who` with `role`; returns the code.
  std::string Invite(const std::string& who, const std::string& role) {
    CommandResult id = Coven("identity --dir " + Dir(who));
    EXPECT_EQ(id.exit_code, 0) << id.output;
    CommandResult invite = Coven("invite " + FirstLine(id.output) + " --role " +
                                 role + " --dir " + Dir("owner"));
    EXPECT_EQ(invite.exit_code, 0) << invite.output;
    return FirstLine(invite.output);
  }
  /// The member id of `who` (from its status).
  std::string MemberId(const std::string& who) {
    const std::string status = Status(who);
    const auto at = status.find("member    ");
    return at == std::string::npos ? "" : status.substr(at + 10, 16);
  }
};

TEST_F(MembershipCliTest, InviteRefuseRemoveRotate) {
  // The owner starts the library; the writer and the reader join.
  CommandResult init = Todos("init --dir " + Dir("owner") + " --home " +
                             Home() + " --name owner");
  ASSERT_EQ(init.exit_code, 0) << init.output;
  const std::string writer_code = Invite("writer", "writer");
  const std::string reader_code = Invite("reader", "reader");
  ASSERT_EQ(writer_code.rfind("CVI1-", 0), 0u) << writer_code;
  for (const auto& [who, code] :
       {std::pair{"writer", writer_code}, std::pair{"reader", reader_code}}) {
    CommandResult joined = Todos(std::string("init --dir ") + Dir(who) +
                                 " --home " + Home() + " --join " + code);
    ASSERT_EQ(joined.exit_code, 0) << joined.output;
  }
  const std::string members = Coven("members --dir " + Dir("owner")).output;
  EXPECT_NE(members.find("owner"), std::string::npos) << members;
  EXPECT_NE(members.find("writer"), std::string::npos) << members;
  EXPECT_NE(members.find("reader"), std::string::npos) << members;

  // Owner and writer write; everyone reads both.
  ASSERT_EQ(Todos("add --dir " + Dir("owner") + " --id o1 owner-row").exit_code,
            0);
  ASSERT_EQ(
      Todos("add --dir " + Dir("writer") + " --id w1 writer-row").exit_code, 0);
  for (const char* who : {"owner", "writer", "reader"}) {
    const std::string list = SyncAndList(who);
    EXPECT_NE(list.find("o1"), std::string::npos) << who << ": " << list;
    EXPECT_NE(list.find("w1"), std::string::npos) << who << ": " << list;
  }

  // The reader's write is refused locally, with a clear error.
  CommandResult refused =
      Todos("add --dir " + Dir("reader") + " --id r1 reader-row");
  EXPECT_NE(refused.exit_code, 0) << refused.output;
  EXPECT_NE(refused.output.find("may not change synced tables"),
            std::string::npos)
      << refused.output;
  // Forced into the home with the reader's own keys, everyone rejects it.
  ASSERT_FALSE(ForceWrite(Dir("reader"), Home(), "r2").empty());
  // Exit 5 where the round quarantines it (not on the reader, its author).
  for (const auto& [who, exit] : {std::pair{"owner", 5}, std::pair{"writer", 5},
                                  std::pair{"reader", 0}}) {
    const std::string list = SyncAndList(who, exit);
    EXPECT_EQ(list.find("r2"), std::string::npos) << who << ": " << list;
  }
  EXPECT_NE(Status("owner").find("Readers cannot write"), std::string::npos)
      << Status("owner");
  EXPECT_NE(Status("writer").find("Readers cannot write"), std::string::npos);

  // The owner removes the writer: the key rotates.
  const std::string writer_id = MemberId("writer");
  ASSERT_EQ(writer_id.size(), 16u);
  const DirectoryKeys old_keys = LoadDirectoryKeys(Dir("writer"));
  CommandResult removed =
      Coven("remove " + writer_id + " --dir " + Dir("owner"));
  ASSERT_EQ(removed.exit_code, 0) << removed.output;
  EXPECT_NE(removed.output.find("warning: writes of " + writer_id +
                                " that had not reached this device before "
                                "the removal are dropped"),
            std::string::npos)
      << removed.output;
  EXPECT_NE(removed.output.find("have its devices sync"), std::string::npos)
      << removed.output;

  // The writer's later writes: refused once it has synced the removal,
  // rejected by everyone when forced into the home.
  EXPECT_EQ(Todos("sync --dir " + Dir("writer")).exit_code, 0);
  CommandResult late = Todos("add --dir " + Dir("writer") + " --id w2 late");
  EXPECT_NE(late.exit_code, 0) << late.output;

  // The remaining members keep syncing, under the new key.
  ASSERT_EQ(
      Todos("add --dir " + Dir("owner") + " --id o2 after-removal").exit_code,
      0);
  ASSERT_FALSE(ForceWrite(Dir("writer"), Home(), "w3").empty());
  // w3 lies past the writer's cut: no device even reads it, and each says
  // so.
  for (const std::string who : {"owner", "reader"}) {
    CommandResult sync = Todos("sync --dir " + Dir(who));
    EXPECT_EQ(sync.exit_code, 0) << who << ": " << sync.output;
    EXPECT_NE(sync.output.find("lost the right to write"), std::string::npos)
        << who << ": " << sync.output;
    const std::string list = Todos("list --dir " + Dir(who)).output;
    EXPECT_NE(list.find("o2"), std::string::npos) << who << ": " << list;
    EXPECT_EQ(list.find("w3"), std::string::npos) << who << ": " << list;
    EXPECT_EQ(list.find("w2"), std::string::npos) << who << ": " << list;
  }
  // Said once per head of the removed device, not every round.
  CommandResult quiet = Todos("sync --dir " + Dir("owner"));
  EXPECT_EQ(quiet.output.find("lost the right to write"), std::string::npos)
      << quiet.output;
  // The removed writer cannot read what was written after its removal.
  EXPECT_EQ(SyncAndList("writer").find("o2"), std::string::npos);

  // After rotation, the keys the writer held open no new object.
  auto home = home::FolderHome::Open(Home());
  ASSERT_TRUE(home.ok());
  members::MemberLog log = ReadMemberLog(**home);
  const crypto::KeyId current = log.current().current_key_id();
  std::size_t checked = 0;
  auto objects = home::ListAll(**home, "log/", kTestMaxList);
  ASSERT_TRUE(objects.ok());
  for (const auto& info : *objects) {
    auto bytes = (*home)->Get(info.path, kTestMaxRead);
    ASSERT_TRUE(bytes.ok());
    auto header = object::ParseHeader(*bytes);
    ASSERT_TRUE(header.ok());
    if (header->key_id != current) continue;
    ++checked;
    for (const crypto::LibraryKey& old : old_keys.keys) {
      EXPECT_NE(old.id(), current);
      object::ObjectHeader opened;
      auto attempt = object::Open(
          info.path, *bytes,
          [&](const crypto::KeyId&) { return std::optional(old); }, &opened);
      EXPECT_FALSE(attempt.ok()) << info.path << " opened with an old key";
    }
  }
  EXPECT_GE(checked, 1u);
}

TEST_F(MembershipCliTest, RestoreIntoFreshDirectoryAndTypoCheck) {
  ASSERT_EQ(Todos("init --dir " + Dir("laptop") + " --home " + Home() +
                  " --name laptop")
                .exit_code,
            0);
  ASSERT_EQ(Todos("add --dir " + Dir("laptop") + " --id t1 first").exit_code,
            0);
  CommandResult code =
      RunCommand("COVEN_RESTORE_PASSPHRASE='correct horse battery staple' " +
                 CovenBin() + " restore-code --dir " + Dir("laptop"));
  ASSERT_EQ(code.exit_code, 0) << code.output;
  std::string restore = FirstLine(code.output);
  ASSERT_EQ(restore.rfind("CVR1-", 0), 0u) << restore;

  // A mistyped character fails the checksum with a clear message.
  std::string typo = restore;
  const std::size_t at = typo.size() / 2;
  typo[at] = typo[at] == 'A' ? 'B' : 'A';
  CommandResult bad = Coven("restore " + typo + " --dir " + Dir("typo") +
                            " --db " + Dir("typo") + "/todos.db");
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.output.find("mistyped"), std::string::npos) << bad.output;
  // A wrong passphrase is refused as such.
  CommandResult wrong = RunCommand(
      "COVEN_RESTORE_PASSPHRASE=nope " + CovenBin() + " restore " + restore +
      " --dir " + Dir("wrong") + " --db " + Dir("wrong") + "/todos.db");
  EXPECT_NE(wrong.exit_code, 0);
  EXPECT_NE(wrong.output.find("passphrase"), std::string::npos) << wrong.output;

  // Restored into a fresh directory: the same member, a new device, syncing.
  CommandResult restored =
      RunCommand("COVEN_RESTORE_PASSPHRASE='correct horse battery staple' " +
                 TodosBin() + " init --dir " + Dir("phone") + " --home " +
                 Home() + " --join " + restore + " --name phone");
  ASSERT_EQ(restored.exit_code, 0) << restored.output;
  EXPECT_NE(SyncAndList("phone").find("t1"), std::string::npos);
  EXPECT_EQ(MemberId("phone"), MemberId("laptop"));
  ASSERT_EQ(
      Todos("add --dir " + Dir("phone") + " --id t2 from-phone").exit_code, 0);
  EXPECT_NE(SyncAndList("laptop").find("t2"), std::string::npos);
  const std::string members = Coven("members --dir " + Dir("laptop")).output;
  EXPECT_EQ(std::count(members.begin(), members.end(), '\n'), 3)
      << "one member with two devices:\n"
      << members;
}

// Changes the rules forbid, and malformed arguments, fail with a clear
// message and change nothing.
TEST_F(MembershipCliTest, RefusedChangesSayWhy) {
  ASSERT_EQ(Todos("init --dir " + Dir("owner") + " --home " + Home() +
                  " --name owner")
                .exit_code,
            0);
  ASSERT_EQ(Todos("init --dir " + Dir("writer") + " --home " + Home() +
                  " --join " + Invite("writer", "writer"))
                .exit_code,
            0);
  const std::string before = Coven("members --dir " + Dir("owner")).output;
  auto expect_refused = [&](const std::string& args, const std::string& why) {
    CommandResult result = Coven(args);
    EXPECT_EQ(result.exit_code, 4) << args << "\n" << result.output;
    EXPECT_NE(result.output.find(why), std::string::npos) << args << "\n"
                                                          << result.output;
  };
  const std::string stranger =
      FirstLine(Coven("identity --dir " + Dir("stranger")).output);
  expect_refused("invite " + stranger + " --dir " + Dir("writer"),
                 "cannot add members");
  expect_refused("invite deadbeef --dir " + Dir("owner"), "128 hex digits");
  expect_refused("invite " + stranger + " --role boss --dir " + Dir("owner"),
                 "unknown role");
  expect_refused("remove " + MemberId("owner") + " --dir " + Dir("owner"),
                 "cannot remove itself");
  expect_refused("remove 0123456789abcdef --dir " + Dir("owner"), "no member");
  expect_refused("role " + MemberId("writer") + " owner --dir " + Dir("writer"),
                 "self-promotion");
  expect_refused(
      "join CVP1-00000 --dir " + Dir("x") + " --db " + Dir("x") + "/a.db",
      "code");
  EXPECT_EQ(Coven("members --dir " + Dir("owner")).output, before);
}

}  // namespace
}  // namespace coven::testing
