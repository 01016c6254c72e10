// End to end through the todos and coven programs: a folder home that is not
// there (a drive or share not mounted, a wrong folder) is reported with exit
// code 3 and never written to; the local sync state does not move; once the
// real home is back, every write made meanwhile reaches the other device and
// nothing stays stuck. docs/format/folder-home.md, "The home marker".
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "cli_harness.h"

namespace coven::testing {
namespace {

namespace fs = std::filesystem;

class HomeMarkerCliTest : public CliTest {
 protected:
  std::string Away() { return tmp_ / "home.away"; }

  // Laptop starts a todo library, phone restores onto it; both hold xa1.
  void StartTwoDevices() {
    CommandResult init =
        Todos("init --dir " + Dir("laptop") + " --home " + Home());
    ASSERT_EQ(init.exit_code, 0) << init.output;
    CommandResult join = JoinWithRestoreCode("laptop", "phone");
    ASSERT_EQ(join.exit_code, 0) << join.output;
    ASSERT_EQ(
        Todos("add --dir " + Dir("laptop") + " --id xa1 before").exit_code, 0);
    for (const char* who : {"phone", "laptop"}) {
      CommandResult sync = Todos("sync --dir " + Dir(who));
      ASSERT_EQ(sync.exit_code, 0) << who << ": " << sync.output;
    }
    ASSERT_NE(List("phone").find("xa1"), std::string::npos) << List("phone");
  }

  std::string List(const std::string& who) {
    return Todos("list --dir " + Dir(who)).output;
  }

  // What records this device's exchanges with the home: pushed objects,
  // heads, cursors of other devices, the member log, alarms.
  std::string SyncState(const std::string& who) {
    sqlite3* db = nullptr;
    std::string out;
    const std::string path = Dir(who) + "/todos.db";
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) !=
        SQLITE_OK) {
      sqlite3_close(db);
      return "cannot open " + path;
    }
    const char* sql =
        "SELECT key || '=' || value FROM sync_state WHERE key IN ("
        "'pushed_seq', 'pushed_hash', 'head_seq', 'head_size', "
        "'member_alarm', 'head_alarm', 'home_marker') UNION ALL "
        "SELECT 'cursor ' || author || '=' || seq FROM sync_cursors UNION ALL "
        "SELECT 'members=' || count(*) FROM _coven_members";
    sqlite3_exec(
        db, sql,
        [](void* text, int, char** values, char**) {
          *static_cast<std::string*>(text) +=
              std::string(values[0] ? values[0] : "NULL") + "\n";
          return 0;
        },
        &out, nullptr);
    sqlite3_close(db);
    return out;
  }

  // Every entry below `root` (files and directories), relative.
  std::set<std::string> Tree(const std::string& root) {
    std::set<std::string> out;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(root, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      out.insert(fs::relative(it->path(), root).string());
    }
    return out;
  }

  // While the real home is away: syncs on both devices exit 3 and writes
  // exit 0 (saved on the device, not synced yet), with `expected` in the
  // message, and change neither `Home()` nor the devices' sync state. The
  // writes are kept locally.
  void WriteWhileAway(const std::string& expected) {
    const std::set<std::string> home_before = Tree(Home());
    const bool existed = fs::exists(Home());
    const std::string laptop = SyncState("laptop");
    const std::string phone = SyncState("phone");
    CommandResult add =
        Todos("add --dir " + Dir("laptop") + " --id xa2 while-away");
    EXPECT_EQ(add.exit_code, 0) << add.output;
    EXPECT_NE(add.output.find("saved on this device; not synced yet"),
              std::string::npos)
        << add.output;
    EXPECT_NE(add.output.find(expected), std::string::npos) << add.output;
    EXPECT_NE(add.output.find(Home()), std::string::npos) << add.output;
    EXPECT_NE(add.output.find("todos sync"), std::string::npos) << add.output;
    EXPECT_EQ(add.output.find("pushed"), std::string::npos) << add.output;
    CommandResult sync = Coven("sync --dir " + Dir("laptop"));
    EXPECT_EQ(sync.exit_code, 3) << sync.output;
    EXPECT_NE(sync.output.find(expected), std::string::npos) << sync.output;
    CommandResult phone_add =
        Todos("add --dir " + Dir("phone") + " --id xb2 phone-while-away");
    EXPECT_EQ(phone_add.exit_code, 0) << phone_add.output;
    CommandResult phone_sync = Todos("sync --dir " + Dir("phone"));
    EXPECT_EQ(phone_sync.exit_code, 3) << phone_sync.output;
    EXPECT_NE(phone_sync.output.find(expected), std::string::npos)
        << phone_sync.output;

    EXPECT_EQ(fs::exists(Home()), existed);
    EXPECT_EQ(Tree(Home()), home_before);
    EXPECT_EQ(SyncState("laptop"), laptop);
    EXPECT_EQ(SyncState("phone"), phone);
    EXPECT_NE(List("laptop").find("xa2"), std::string::npos);
    EXPECT_NE(List("phone").find("xb2"), std::string::npos);
  }

  // With the real home back: everything written meanwhile reaches the other
  // device, nothing waits in an outbox, and later writes flow too.
  void ConvergeAfterReturn() {
    for (const char* who : {"laptop", "phone", "laptop"}) {
      CommandResult sync = Todos("sync --dir " + Dir(who));
      EXPECT_EQ(sync.exit_code, 0) << who << ": " << sync.output;
    }
    for (const char* who : {"laptop", "phone"}) {
      const std::string list = List(who);
      for (const char* id : {"xa1", "xa2", "xb2"}) {
        EXPECT_NE(list.find(id), std::string::npos) << who << ": " << list;
      }
      const std::string status = Coven("status --dir " + Dir(who)).output;
      EXPECT_NE(status.find("queued    0 object(s)"), std::string::npos)
          << who << ": " << status;
      EXPECT_EQ(status.find("ALARM"), std::string::npos) << status;
    }
    ASSERT_EQ(Todos("add --dir " + Dir("laptop") + " --id xa3 after").exit_code,
              0);
    ASSERT_EQ(Todos("sync --dir " + Dir("phone")).exit_code, 0);
    EXPECT_NE(List("phone").find("xa3"), std::string::npos) << List("phone");
  }
};

TEST_F(HomeMarkerCliTest, UnmountedHomeIsReportedNotRecreated) {
  StartTwoDevices();
  fs::rename(Home(), Away());  // The drive is unmounted.
  WriteWhileAway("is missing");
  EXPECT_FALSE(fs::exists(Home()));
  fs::rename(Away(), Home());  // Mounted again.
  ConvergeAfterReturn();
}

TEST_F(HomeMarkerCliTest, EmptyMountPointIsReported) {
  StartTwoDevices();
  fs::rename(Home(), Away());
  fs::create_directory(Home());  // The mount point, without the drive.
  WriteWhileAway("is empty");
  EXPECT_TRUE(fs::is_empty(Home()));
  fs::remove(Home());
  fs::rename(Away(), Home());
  ConvergeAfterReturn();
}

TEST_F(HomeMarkerCliTest, AnotherLibrarysHomeIsReported) {
  StartTwoDevices();
  CommandResult other =
      Todos("init --dir " + Dir("other") + " --home " + (tmp_ / "other-home"));
  ASSERT_EQ(other.exit_code, 0) << other.output;
  ASSERT_EQ(Todos("add --dir " + Dir("other") + " --id xc1 other").exit_code,
            0);
  fs::rename(Home(), Away());
  fs::rename(tmp_ / "other-home", Home());  // The wrong drive.
  WriteWhileAway("belongs to another library");
  fs::rename(Home(), tmp_ / "other-home");
  fs::rename(Away(), Home());
  ConvergeAfterReturn();
  EXPECT_EQ(List("laptop").find("xc1"), std::string::npos);
  ASSERT_EQ(Todos("sync --dir " + Dir("other")).exit_code, 0);
  EXPECT_EQ(List("other").find("xa2"), std::string::npos) << List("other");
}

TEST_F(HomeMarkerCliTest, LostMarkerIsReportedUntilPutBack) {
  StartTwoDevices();
  const std::string marker = Home() + "/coven-library.json";
  std::ifstream in(marker);
  const std::string content((std::istreambuf_iterator<char>(in)), {});
  ASSERT_NE(content.find("\"library_id\""), std::string::npos) << content;
  fs::remove(marker);
  const std::set<std::string> before = Tree(Home());
  CommandResult sync = Coven("sync --dir " + Dir("laptop"));
  EXPECT_EQ(sync.exit_code, 3) << sync.output;
  EXPECT_NE(sync.output.find("lost its marker"), std::string::npos)
      << sync.output;
  EXPECT_EQ(Tree(Home()), before);
  std::ofstream(marker) << content;
  EXPECT_EQ(Coven("sync --dir " + Dir("laptop")).exit_code, 0);
}

// A home made before markers existed: the first device that finds it (and
// has never seen a marker) writes the marker, and both keep syncing.
TEST_F(HomeMarkerCliTest, HomeWithoutMarkerFromOlderVersionIsAdopted) {
  StartTwoDevices();
  const std::string marker = Home() + "/coven-library.json";
  std::ifstream in(marker);
  const std::string content((std::istreambuf_iterator<char>(in)), {});
  ASSERT_NE(content.find("\"library_id\""), std::string::npos) << content;
  fs::remove(marker);
  for (const char* who : {"laptop", "phone"}) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((Dir(who) + "/todos.db").c_str(), &db), SQLITE_OK);
    ASSERT_EQ(
        sqlite3_exec(db, "DELETE FROM sync_state WHERE key = 'home_marker'",
                     nullptr, nullptr, nullptr),
        SQLITE_OK);
    sqlite3_close(db);
  }
  ASSERT_EQ(Todos("add --dir " + Dir("phone") + " --id xb1 x").exit_code, 0);
  std::ifstream again(marker);
  EXPECT_EQ(std::string((std::istreambuf_iterator<char>(again)), {}), content);
  ASSERT_EQ(Todos("sync --dir " + Dir("laptop")).exit_code, 0);
  EXPECT_NE(List("laptop").find("xb1"), std::string::npos);
}

// Joining through a home that is not there leaves nothing behind: no
// library.json, no folder; the same command works once the home is back.
TEST_F(HomeMarkerCliTest, JoinThroughMissingHomeLeavesNothing) {
  CommandResult init =
      Todos("init --dir " + Dir("laptop") + " --home " + Home());
  ASSERT_EQ(init.exit_code, 0) << init.output;
  const auto code = TodosRestoreCode("laptop");
  fs::rename(Home(), Away());
  CommandResult refused = TodosJoin("phone", code);
  EXPECT_EQ(refused.exit_code, 3) << refused.output;
  EXPECT_NE(refused.output.find("is missing"), std::string::npos)
      << refused.output;
  EXPECT_FALSE(fs::exists(Home()));
  EXPECT_FALSE(fs::exists(Dir("phone") + "/library.json"));
  fs::rename(Away(), Home());
  CommandResult joined = TodosJoin("phone", code);
  EXPECT_EQ(joined.exit_code, 0) << joined.output;
}

}  // namespace
}  // namespace coven::testing
