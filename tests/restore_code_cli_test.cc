// Restore codes through the coven and todos programs: no flow prints the
// member seed in clear; a code with its recovery secret restores the same
// member into a fresh directory, which keeps syncing; passphrases come from
// a descriptor or the environment, never argv, and weak ones are refused.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <regex>

#include "cli_harness.h"
#include "codes/code.h"
#include "codes/tlv.h"

namespace coven::testing {
namespace {

constexpr char kStrongPassphrase[] = "violet tractor anvil midnight 42";

class RestoreCodeCliTest : public ::testing::Test {
 protected:
  CommandResult Coven(const std::string& args, const std::string& env = "") {
    return RunCommand(env + " " + CovenBin() + " " + args);
  }
  CommandResult Todos(const std::string& args, const std::string& env = "") {
    return RunCommand(env + " " + TodosBin() + " " + args);
  }
  std::string Dir(const std::string& who) { return tmp_ / who; }
  std::string Home() { return tmp_ / "home"; }
  std::string SyncAndList(const std::string& who) {
    CommandResult sync = Todos("sync --dir " + Dir(who));
    EXPECT_EQ(sync.exit_code, 0) << sync.output;
    return Todos("list --dir " + Dir(who)).output;
  }
  std::string MemberId(const std::string& who) {
    const std::string status = Coven("status --dir " + Dir(who)).output;
    const auto at = status.find("member    ");
    return at == std::string::npos ? "" : status.substr(at + 10, 16);
  }
  void InitLaptop() {
    CommandResult init = Todos("init --dir " + Dir("laptop") + " --home " +
                               Home() + " --name laptop");
    ASSERT_EQ(init.exit_code, 0) << init.output;
    ASSERT_EQ(Todos("add --dir " + Dir("laptop") + " --id t1 first").exit_code,
              0);
  }
  // Writes `text` to a file and returns its path (fed as a descriptor).
  std::string SecretFile(const std::string& name, const std::string& text) {
    const std::string path = tmp_ / name;
    std::ofstream(path) << text << "\n";
    return path;
  }
  // The member seed `who` keeps (before a restore code moves it out).
  Bytes SeedOf(const std::string& who) {
    return ReadHexKey(Dir(who) + "/keys/member.key");
  }
  // Checks that the restore code `code` decodes, holds no tag-8 clear seed
  // and does not contain `seed` anywhere.
  void ExpectNoSeedInClear(const std::string& code, const Bytes& seed) {
    ASSERT_EQ(seed.size(), 32u);
    Result<Bytes> payload = codes::DecodeCode(codes::CodeKind::kRestore, code);
    ASSERT_TRUE(payload.ok()) << payload.status().ToString();
    EXPECT_EQ(
        std::search(payload->begin(), payload->end(), seed.begin(), seed.end()),
        payload->end())
        << "the restore code carries the member seed in clear";
    codes::TlvRules rules;
    rules.duplicates = codes::TlvDuplicates::kKeepAll;
    rules.unknown = codes::TlvUnknown::kSkip;
    auto records = codes::ReadTlv(*payload, rules);
    ASSERT_TRUE(records.ok());
    EXPECT_EQ(codes::FindTlv(*records, 8), nullptr) << "clear seed field";
  }
  static std::string RecoverySecretIn(const std::string& output) {
    std::smatch match;
    const std::regex pattern("CVK1-[0-9A-Z-]+");
    return std::regex_search(output, match, pattern) ? match.str() : "";
  }

  E2eTempDir tmp_;
};

TEST_F(RestoreCodeCliTest, RecoverySecretRestoresTheSameMember) {
  InitLaptop();
  const Bytes seed = SeedOf("laptop");
  CommandResult printed =
      Coven("restore-code --keep-member-key --dir " + Dir("laptop"));
  ASSERT_EQ(printed.exit_code, 0) << printed.output;
  const std::string code = FirstLine(printed.output);
  ASSERT_EQ(code.rfind("CVR1-", 0), 0u) << printed.output;
  const std::string secret = RecoverySecretIn(printed.output);
  ASSERT_FALSE(secret.empty()) << printed.output;
  EXPECT_EQ(code.find(secret), std::string::npos);
  ExpectNoSeedInClear(code, seed);
  EXPECT_EQ(SeedOf("laptop"), seed) << "--keep-member-key keeps it";

  // The code alone restores nothing, and says what it needs.
  CommandResult alone =
      Coven("restore " + code + " --dir " + Dir("nosecret") + " --db " +
            Dir("nosecret") + "/todos.db </dev/null");
  EXPECT_EQ(alone.exit_code, 4) << alone.output;
  EXPECT_NE(alone.output.find("recovery secret"), std::string::npos)
      << alone.output;
  EXPECT_FALSE(std::filesystem::exists(Dir("nosecret") + "/library.json"));

  // A code that cannot be written out (a full disk) takes nothing away.
  CommandResult full =
      Coven("restore-code --dir " + Dir("laptop") + " >/dev/full");
  EXPECT_NE(full.exit_code, 0) << full.output;
  EXPECT_EQ(SeedOf("laptop"), seed) << "the seed left without a code";

  // Another code's secret does not open this one. By default the member
  // seed leaves with the code, and no further code can be made here.
  CommandResult other = Coven("restore-code --dir " + Dir("laptop"));
  ASSERT_EQ(other.exit_code, 0) << other.output;
  EXPECT_NE(other.output.find("only copy"), std::string::npos) << other.output;
  EXPECT_TRUE(SeedOf("laptop").empty()) << "the seed stayed on the laptop";
  EXPECT_NE(Coven("status --dir " + Dir("laptop"))
                .output.find("member key not on this device"),
            std::string::npos);
  CommandResult third = Coven("restore-code --dir " + Dir("laptop"));
  EXPECT_EQ(third.exit_code, 4) << third.output;
  EXPECT_NE(third.output.find("only one"), std::string::npos) << third.output;
  const std::string other_secret = RecoverySecretIn(other.output);
  ASSERT_FALSE(other_secret.empty());
  CommandResult wrong = Coven(
      "restore " + code + " --dir " + Dir("wrong") + " --db " + Dir("wrong") +
      "/todos.db --secret-fd 3 3<" + SecretFile("other", other_secret));
  EXPECT_EQ(wrong.exit_code, 4) << wrong.output;
  EXPECT_NE(wrong.output.find("does not open"), std::string::npos)
      << wrong.output;

  // `coven restore` opens the code with its secret on a descriptor: the
  // next check, of the database (missing here), is what refuses it.
  CommandResult opened = Coven(
      "restore " + code + " --dir " + Dir("bare") + " --db " + Dir("bare") +
      "/app.db --secret-fd 3 3<" + SecretFile("secret", secret));
  EXPECT_NE(opened.output.find("database file"), std::string::npos)
      << opened.output;
  EXPECT_EQ(opened.output.find("recovery secret"), std::string::npos)
      << opened.output;

  // With its secret on a descriptor: the same member, a new device, syncing.
  CommandResult restored =
      Todos("init --dir " + Dir("phone") + " --home " + Home() + " --join " +
            code + " --name phone --secret-fd 3 3<" + tmp_ / "secret");
  ASSERT_EQ(restored.exit_code, 0) << restored.output;
  EXPECT_NE(SyncAndList("phone").find("t1"), std::string::npos);
  EXPECT_EQ(MemberId("phone"), MemberId("laptop"));
  ASSERT_EQ(
      Todos("add --dir " + Dir("phone") + " --id t2 from-phone").exit_code, 0);
  EXPECT_NE(SyncAndList("laptop").find("t2"), std::string::npos);
  ASSERT_EQ(Todos("add --dir " + Dir("laptop") + " --id t3 later").exit_code,
            0);
  EXPECT_NE(SyncAndList("phone").find("t3"), std::string::npos);
}

TEST_F(RestoreCodeCliTest, TodosSecretUsesARecoverySecret) {
  InitLaptop();
  const Bytes seed = SeedOf("laptop");
  CommandResult printed = Todos("secret --dir " + Dir("laptop"));
  ASSERT_EQ(printed.exit_code, 0) << printed.output;
  const std::string code = FirstLine(printed.output);
  const std::string secret = RecoverySecretIn(printed.output);
  ASSERT_FALSE(secret.empty()) << printed.output;
  ExpectNoSeedInClear(code, seed);
  // The secret from the environment.
  CommandResult restored =
      Todos("init --dir " + Dir("tablet") + " --home " + Home() + " --join " +
                code + " --name tablet",
            "COVEN_RECOVERY_SECRET=" + secret);
  ASSERT_EQ(restored.exit_code, 0) << restored.output;
  EXPECT_NE(SyncAndList("tablet").find("t1"), std::string::npos);
  EXPECT_EQ(MemberId("tablet"), MemberId("laptop"));
}

TEST_F(RestoreCodeCliTest, WeakPassphrasesAreRefused) {
  InitLaptop();
  for (const char* weak : {"a", "password", "password1234"}) {
    CommandResult result =
        Coven("restore-code --dir " + Dir("laptop"),
              std::string("COVEN_RESTORE_PASSPHRASE=") + weak);
    EXPECT_EQ(result.exit_code, 4) << weak << ": " << result.output;
    EXPECT_NE(result.output.find("too weak"), std::string::npos)
        << weak << ": " << result.output;
    EXPECT_EQ(result.output.find("CVR1-"), std::string::npos) << result.output;
  }
  CommandResult from_fd = Coven("restore-code --dir " + Dir("laptop") +
                                " --passphrase-fd 3 3<" + SecretFile("a", "a"));
  EXPECT_EQ(from_fd.exit_code, 4) << from_fd.output;
  EXPECT_NE(from_fd.output.find("too weak"), std::string::npos)
      << from_fd.output;
}

TEST_F(RestoreCodeCliTest, PassphraseOnTheCommandLineIsRefused) {
  InitLaptop();
  CommandResult code =
      Coven("restore-code --passphrase '" + std::string(kStrongPassphrase) +
            "' --dir " + Dir("laptop"));
  EXPECT_EQ(code.exit_code, 4) << code.output;
  EXPECT_NE(code.output.find("--passphrase-fd"), std::string::npos)
      << code.output;
  EXPECT_EQ(code.output.find("CVR1-"), std::string::npos) << code.output;
  CommandResult printed = Coven("restore-code --dir " + Dir("laptop"));
  const std::string restore = FirstLine(printed.output);
  CommandResult restore_argv =
      Coven("restore " + restore + " --passphrase x --dir " + Dir("p") +
            " --db " + Dir("p") + "/todos.db");
  EXPECT_EQ(restore_argv.exit_code, 4) << restore_argv.output;
  EXPECT_NE(restore_argv.output.find("COVEN_RESTORE_PASSPHRASE"),
            std::string::npos)
      << restore_argv.output;
  CommandResult todos_argv =
      Todos("init --dir " + Dir("t") + " --home " + Home() + " --join " +
            restore + " --passphrase x");
  EXPECT_NE(todos_argv.exit_code, 0) << todos_argv.output;
  EXPECT_NE(todos_argv.output.find("--secret-fd"), std::string::npos)
      << todos_argv.output;
  EXPECT_FALSE(std::filesystem::exists(Dir("p") + "/library.json"));
  EXPECT_FALSE(std::filesystem::exists(Dir("t") + "/library.json"));
}

TEST_F(RestoreCodeCliTest, PassphraseFromDescriptorAndEnvironment) {
  InitLaptop();
  const Bytes seed = SeedOf("laptop");
  // Sealed with a passphrase read from a descriptor.
  CommandResult printed =
      Coven("restore-code --dir " + Dir("laptop") + " --passphrase-fd 3 3<" +
            SecretFile("pass", kStrongPassphrase));
  ASSERT_EQ(printed.exit_code, 0) << printed.output;
  const std::string code = FirstLine(printed.output);
  ASSERT_EQ(code.rfind("CVR1-", 0), 0u) << printed.output;
  EXPECT_TRUE(RecoverySecretIn(printed.output).empty()) << printed.output;
  ExpectNoSeedInClear(code, seed);

  // A wrong passphrase is refused as such.
  CommandResult wrong =
      Coven("restore " + code + " --dir " + Dir("wrong") + " --db " +
                Dir("wrong") + "/todos.db",
            "COVEN_RESTORE_PASSPHRASE='violet tractor anvil midnight 43'");
  EXPECT_EQ(wrong.exit_code, 4) << wrong.output;
  EXPECT_NE(wrong.output.find("wrong passphrase"), std::string::npos)
      << wrong.output;

  // Opened with the passphrase from the environment ...
  CommandResult by_env = Todos(
      "init --dir " + Dir("phone") + " --home " + Home() + " --join " + code +
          " --name phone",
      std::string("COVEN_RESTORE_PASSPHRASE='") + kStrongPassphrase + "'");
  ASSERT_EQ(by_env.exit_code, 0) << by_env.output;
  EXPECT_EQ(MemberId("phone"), MemberId("laptop"));
  // ... and from a descriptor.
  CommandResult by_fd =
      Todos("init --dir " + Dir("tablet") + " --home " + Home() + " --join " +
            code + " --name tablet --secret-fd 3 3<" + tmp_ / "pass");
  ASSERT_EQ(by_fd.exit_code, 0) << by_fd.output;
  EXPECT_EQ(MemberId("tablet"), MemberId("laptop"));
  ASSERT_EQ(
      Todos("add --dir " + Dir("tablet") + " --id t2 from-tablet").exit_code,
      0);
  EXPECT_NE(SyncAndList("phone").find("t2"), std::string::npos);
  EXPECT_NE(SyncAndList("laptop").find("t2"), std::string::npos);
}

}  // namespace
}  // namespace coven::testing
