// The programs refuse a home URL missing its "//" (hub:host:1234) instead
// of syncing into a folder of that name next to the user, and still take a
// folder whose name has a colon when it is written as a path (./hub:x).
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>

#include "cli_harness.h"

namespace coven::testing {
namespace {

class CliHomeSpellingTest : public CliTest {
 protected:
  // `program args` run in the temporary directory, where a relative home
  // would be made.
  CommandResult InTmp(const std::string& program, const std::string& args) {
    return RunCommand("cd " + tmp_ / "" + " && " + program + " " + args);
  }
};

TEST_F(CliHomeSpellingTest, AUrlWithoutSlashesIsRefusedNotMadeAFolder) {
  CommandResult todos = InTmp(
      TodosBin(), "init --dir " + Dir("a") + " --home hub:127.0.0.1:1234");
  EXPECT_EQ(todos.exit_code, 1) << todos.output;
  EXPECT_NE(todos.output.find("write hub://127.0.0.1:1234/SPACE"),
            std::string::npos)
      << todos.output;
  EXPECT_NE(todos.output.find("to use a folder named \"hub:127.0.0.1:1234\", "
                              "write ./hub:127.0.0.1:1234"),
            std::string::npos)
      << todos.output;
  EXPECT_FALSE(std::filesystem::exists(tmp_ / "hub:127.0.0.1:1234"));
  EXPECT_FALSE(std::filesystem::exists(Dir("a") + "/library.json"));

  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(Dir("c.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "CREATE TABLE todos (id TEXT PRIMARY KEY, title TEXT, "
                         "_updated_at TEXT NOT NULL)",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  CommandResult coven =
      InTmp(CovenBin(), "init --dir " + Dir("c") + " --home S3:bucket/notes" +
                            " --db " + Dir("c.db") + " --tables todos");
  EXPECT_NE(coven.exit_code, 0) << coven.output;
  EXPECT_NE(coven.output.find("write s3://bucket/notes"), std::string::npos)
      << coven.output;
  EXPECT_FALSE(std::filesystem::exists(tmp_ / "S3:bucket"));
  EXPECT_FALSE(std::filesystem::exists(Dir("c") + "/library.json"));
}

TEST_F(CliHomeSpellingTest, AFolderWithAColonWorksWrittenAsAPath) {
  CommandResult init =
      InTmp(TodosBin(), "init --dir " + Dir("a") + " --home ./hub:x");
  ASSERT_EQ(init.exit_code, 0) << init.output;
  EXPECT_TRUE(std::filesystem::exists(tmp_ / "hub:x/coven-library.json"));
  CommandResult add = Todos("add --dir " + Dir("a") + " 'buy milk'");
  EXPECT_EQ(add.exit_code, 0) << add.output;
}

}  // namespace
}  // namespace coven::testing
