// End to end through the coven and todos programs: mistakes a user makes on
// the command line get a message that says what is wrong and what to run,
// in the words of the program that prints it, and a refused command leaves
// nothing behind.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>

#include "cli_harness.h"

namespace coven::testing {
namespace {

namespace fs = std::filesystem;

class CliMessagesTest : public CliTest {
 protected:
  std::string Path(const std::string& name) { return tmp_ / name; }

  // Creates database `name` running `sql`.
  void MakeDatabase(const std::string& name, const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(Path(name).c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr),
              SQLITE_OK)
        << sqlite3_errmsg(db);
    sqlite3_close(db);
  }
  static constexpr const char* kTodos =
      "CREATE TABLE todos (id TEXT PRIMARY KEY, title TEXT, "
      "_updated_at TEXT NOT NULL)";

  std::string Init(const std::string& dir, const std::string& db) {
    return "init --dir " + Path(dir) + " --home " + Path("home") + " --db " +
           Path(db) + " --tables todos";
  }
};

TEST_F(CliMessagesTest, InitWithoutTheTableNamesItAndLeavesNothing) {
  MakeDatabase("app.db", "CREATE TABLE notes (id TEXT PRIMARY KEY)");
  CommandResult init = Coven(Init("lib", "app.db"));
  EXPECT_EQ(init.exit_code, 4) << init.output;
  const std::string& out = init.output;
  EXPECT_NE(out.find("no table `todos`"), std::string::npos) << out;
  EXPECT_NE(out.find(Path("app.db")), std::string::npos) << out;
  EXPECT_NE(out.find("create it"), std::string::npos) << out;
  EXPECT_NE(out.find("run `coven init` again"), std::string::npos) << out;
  EXPECT_EQ(out.find("set_synced_tables"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(Path("lib")));
  EXPECT_FALSE(fs::exists(Path("home")));

  // Once the table exists, the same command works.
  MakeDatabase("app.db", kTodos);
  CommandResult retry = Coven(Init("lib", "app.db"));
  EXPECT_EQ(retry.exit_code, 0) << retry.output;
}

TEST_F(CliMessagesTest, SecondInitPointsToSync) {
  MakeDatabase("app.db", kTodos);
  ASSERT_EQ(Coven(Init("lib", "app.db")).exit_code, 0);
  CommandResult again = Coven(Init("lib", "app.db"));
  EXPECT_EQ(again.exit_code, 4) << again.output;
  EXPECT_NE(again.output.find("already holds library"), std::string::npos)
      << again.output;
  EXPECT_NE(again.output.find("coven sync --dir " + Path("lib")),
            std::string::npos)
      << again.output;
}

TEST_F(CliMessagesTest, UnknownSubcommandIsNamedWithTheCloseOne) {
  CommandResult typo = Coven("synch --dir " + Path("lib"));
  EXPECT_EQ(typo.exit_code, 2) << typo.output;
  EXPECT_NE(typo.output.find("unknown command `synch`"), std::string::npos)
      << typo.output;
  EXPECT_NE(typo.output.find("did you mean `coven sync`"), std::string::npos)
      << typo.output;
  EXPECT_NE(typo.output.find("coven --help"), std::string::npos) << typo.output;
  EXPECT_EQ(typo.output.find("A subcommand is required"), std::string::npos)
      << typo.output;
  CommandResult unknown = Coven("frobnicate");
  EXPECT_EQ(unknown.exit_code, 2) << unknown.output;
  EXPECT_NE(unknown.output.find("unknown command `frobnicate`"),
            std::string::npos)
      << unknown.output;
}

TEST_F(CliMessagesTest, CodesOfTheOtherKindNameTheRightCommand) {
  MakeDatabase("app.db", kTodos);
  MakeDatabase("phone.db", kTodos);
  ASSERT_EQ(Coven(Init("lib", "app.db")).exit_code, 0);
  CommandResult code = Coven("restore-code --dir " + Path("lib"));
  ASSERT_EQ(code.exit_code, 0) << code.output;
  const std::string restore = FirstLine(code.output);
  const std::size_t at = code.output.find("CVK1-");
  ASSERT_NE(at, std::string::npos) << code.output;
  const std::string recovery = FirstLine(code.output.substr(at));

  // `coven join` has no --passphrase: a restore code goes to `coven restore`.
  const std::string where =
      " --dir " + Path("phone") + " --db " + Path("phone.db");
  CommandResult join = Coven("join " + restore + where);
  EXPECT_EQ(join.exit_code, 4) << join.output;
  EXPECT_NE(join.output.find("restore code"), std::string::npos) << join.output;
  EXPECT_NE(join.output.find("coven restore"), std::string::npos)
      << join.output;
  EXPECT_EQ(join.output.find("pass it with --passphrase"), std::string::npos)
      << join.output;
  EXPECT_FALSE(fs::exists(Path("phone") + "/library.json"));
  CommandResult restored =
      RunCommand("COVEN_RECOVERY_SECRET=" + recovery + " " + CovenBin() +
                 " restore " + restore + where);
  EXPECT_EQ(restored.exit_code, 0) << restored.output;

  // And an invite code given to `coven restore` goes to `coven join`.
  CommandResult id = Coven("identity --dir " + Path("friend"));
  ASSERT_EQ(id.exit_code, 0) << id.output;
  CommandResult invite =
      Coven("invite " + FirstLine(id.output) + " --dir " + Path("lib"));
  ASSERT_EQ(invite.exit_code, 0) << invite.output;
  MakeDatabase("friend.db", kTodos);
  CommandResult wrong =
      Coven("restore " + FirstLine(invite.output) + " --dir " + Path("friend") +
            " --db " + Path("friend.db"));
  EXPECT_EQ(wrong.exit_code, 4) << wrong.output;
  EXPECT_NE(wrong.output.find("coven join"), std::string::npos) << wrong.output;
}

TEST_F(CliMessagesTest, TodosSpeaksTodos) {
  CommandResult list = Todos("list --dir " + Path("nope"));
  EXPECT_NE(list.exit_code, 0);
  EXPECT_NE(list.output.find("no todo library in " + Path("nope")),
            std::string::npos)
      << list.output;
  EXPECT_NE(list.output.find("todos init --dir " + Path("nope")),
            std::string::npos)
      << list.output;
  EXPECT_EQ(list.output.find("`coven"), std::string::npos) << list.output;
  EXPECT_FALSE(fs::exists(Path("nope")));

  ASSERT_EQ(
      Todos("init --dir " + Path("a") + " --home " + Path("home")).exit_code,
      0);
  CommandResult again =
      Todos("init --dir " + Path("a") + " --home " + Path("home"));
  EXPECT_NE(again.exit_code, 0);
  EXPECT_NE(again.output.find("todos sync --dir " + Path("a")),
            std::string::npos)
      << again.output;
  EXPECT_EQ(again.output.find("`coven"), std::string::npos) << again.output;
}

TEST_F(CliMessagesTest, UnsupportedHomeSchemeNamesTheOnesThatWork) {
  MakeDatabase("app.db", kTodos);
  CommandResult hubs =
      Coven("init --dir " + Path("lib") + " --home hubs://127.0.0.1:1/todos" +
            " --db " + Path("app.db") + " --tables todos");
  EXPECT_NE(hubs.exit_code, 0) << hubs.output;
  EXPECT_NE(hubs.output.find("\"hubs\" is not supported"), std::string::npos)
      << hubs.output;
  EXPECT_NE(hubs.output.find("hub://HOST:PORT/SPACE, which uses TLS"),
            std::string::npos)
      << hubs.output;
  EXPECT_NE(hubs.output.find("supported: "), std::string::npos) << hubs.output;
  EXPECT_EQ(hubs.output.find("coven::"), std::string::npos) << hubs.output;
  EXPECT_FALSE(fs::exists(Path("lib") + "/library.json"));

  CommandResult https =
      Todos("init --dir " + Path("t") + " --home https://dav.example.com/t");
  EXPECT_NE(https.exit_code, 0) << https.output;
  EXPECT_NE(https.output.find("\"https\" is not supported"), std::string::npos)
      << https.output;
  EXPECT_NE(https.output.find("webdavs://"), std::string::npos) << https.output;
  EXPECT_NE(https.output.find("s3://"), std::string::npos) << https.output;
  EXPECT_EQ(https.output.find("coven::"), std::string::npos) << https.output;
}

TEST_F(CliMessagesTest, HelpSaysAHomeIsAUrlOrAFolder) {
  CommandResult todos = Todos("--help");
  EXPECT_EQ(todos.exit_code, 0) << todos.output;
  EXPECT_NE(todos.output.find("through a home URL or folder"),
            std::string::npos)
      << todos.output;
  EXPECT_EQ(todos.output.find("folder home"), std::string::npos)
      << todos.output;
  CommandResult init = Todos("init --help");
  EXPECT_NE(init.output.find("Home URL or folder"), std::string::npos)
      << init.output;
  EXPECT_NE(init.output.find("hub://"), std::string::npos) << init.output;
  CommandResult coven = Coven("init --help");
  EXPECT_NE(coven.output.find("hub://"), std::string::npos) << coven.output;
}

}  // namespace
}  // namespace coven::testing
