// End to end through the todos and coven programs over a folder home: a
// home that lost objects, or had bytes planted in them, is repaired by the
// author; readers report what they wait for and converge once it is back.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>

#include "cli_harness.h"

namespace coven::testing {
namespace {

namespace fs = std::filesystem;

class SelfRepairCliTest : public CliTest {
 protected:
  void InitLaptop() {
    CommandResult init = Todos("init --dir " + Dir("laptop") + " --home " +
                               Home() + " --name laptop");
    ASSERT_EQ(init.exit_code, 0) << init.output;
  }
  /// Another device of the laptop's member joins with its restore code and
  /// the recovery secret printed after it.
  void Join(const std::string& who) {
    CommandResult join = JoinWithRestoreCode("laptop", who, " --name " + who);
    ASSERT_EQ(join.exit_code, 0) << join.output;
  }
  void Add(const std::string& who, const std::string& id) {
    CommandResult add =
        Todos("add --dir " + Dir(who) + " --id " + id + " title-" + id);
    ASSERT_EQ(add.exit_code, 0) << add.output;
  }
  std::string List(const std::string& who) {
    return Todos("list --dir " + Dir(who)).output;
  }
  /// The log folder of `who` in the home.
  std::string LogDir(const std::string& who) {
    const std::string status = Coven("status --dir " + Dir(who)).output;
    const auto at = status.find("device    ");
    EXPECT_NE(at, std::string::npos) << status;
    return Home() + "/log/" + status.substr(at + 10, 16);
  }
  /// The log objects of `who` in the home, in seq order.
  std::vector<fs::path> LogObjects(const std::string& who) {
    std::vector<fs::path> objects;
    for (const auto& entry : fs::directory_iterator(LogDir(who))) {
      objects.push_back(entry.path());
    }
    std::sort(objects.begin(), objects.end());
    return objects;
  }
  /// A database with the todos app's tables, for `coven restore`.
  static void MakeTodosDatabase(const std::string& path) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db,
                           "CREATE TABLE todos (id TEXT PRIMARY KEY, title "
                           "TEXT NOT NULL, completed INTEGER NOT NULL DEFAULT "
                           "0, _updated_at TEXT NOT NULL);"
                           "CREATE TABLE todo_attachments (id TEXT PRIMARY "
                           "KEY, todo_id TEXT NOT NULL, file_name TEXT NOT "
                           "NULL, local_path TEXT NOT NULL, _updated_at TEXT "
                           "NOT NULL);",
                           nullptr, nullptr, nullptr),
              SQLITE_OK)
        << sqlite3_errmsg(db);
    sqlite3_close(db);
  }
  static std::string SeqName(int seq) {
    char name[17];
    std::snprintf(name, sizeof(name), "%016x", seq);
    return name;
  }
};

TEST_F(SelfRepairCliTest,
       LostMiddleObjectsAreStoredAgainAndANewDeviceConverges) {
  InitLaptop();
  for (int i = 1; i <= 5; ++i) Add("laptop", "t" + std::to_string(i));
  // Which objects hold t2..t4 does not matter: the middle ones go.
  const std::vector<fs::path> objects = LogObjects("laptop");
  ASSERT_GE(objects.size(), 5u);
  for (std::size_t i = 1; i + 1 < objects.size(); ++i) fs::remove(objects[i]);

  // A device that joins now stops at the gap, and says so (the join too).
  const auto code = TodosRestoreCode("laptop");
  CommandResult joined = TodosJoin("phone", code, " --name phone");
  EXPECT_EQ(joined.exit_code, 5) << joined.output;
  EXPECT_NE(joined.output.find("joined, but the first sync found a data "
                               "problem"),
            std::string::npos)
      << joined.output;
  // `coven restore` into a database of the app's says it the same way.
  const std::string tablet_db = tmp_ / "tablet.db";
  MakeTodosDatabase(tablet_db);
  CommandResult restored = RunCommand(
      "COVEN_RECOVERY_SECRET=" + code.second + " " + CovenBin() + " restore " +
      code.first + " --dir " + Dir("tablet") + " --db " + tablet_db);
  EXPECT_EQ(restored.exit_code, 5) << restored.output;
  EXPECT_NE(restored.output.find("the library directory is ready, but the "
                                 "first sync found a data problem"),
            std::string::npos)
      << restored.output;
  CommandResult stuck = Todos("sync --dir " + Dir("phone"));
  EXPECT_EQ(stuck.exit_code, 5) << stuck.output;
  EXPECT_NE(stuck.output.find("is missing from"), std::string::npos)
      << stuck.output;
  CommandResult status = Coven("status --dir " + Dir("phone"));
  EXPECT_EQ(status.exit_code, 5) << status.output;
  EXPECT_NE(status.output.find("WAITING   device"), std::string::npos)
      << status.output;
  EXPECT_NE(status.output.find("run `coven sync` there"), std::string::npos)
      << status.output;

  // The author's next round stores them again; the phone gets everything.
  CommandResult repaired = Todos("sync --dir " + Dir("laptop"));
  EXPECT_EQ(repaired.exit_code, 0) << repaired.output;
  EXPECT_NE(repaired.output.find("stored"), std::string::npos)
      << repaired.output;
  CommandResult synced = Todos("sync --dir " + Dir("phone"));
  EXPECT_EQ(synced.exit_code, 0) << synced.output;
  const std::string list = List("phone");
  for (int i = 1; i <= 5; ++i) {
    EXPECT_NE(list.find("title-t" + std::to_string(i)), std::string::npos)
        << list;
  }
  status = Coven("status --dir " + Dir("phone"));
  EXPECT_EQ(status.exit_code, 0) << status.output;
  EXPECT_EQ(status.output.find("WAITING"), std::string::npos) << status.output;
}

TEST_F(SelfRepairCliTest, HomeRestoredFromAnOlderBackupIsRepaired) {
  InitLaptop();
  Join("phone");
  Add("laptop", "t1");
  const std::string backup = tmp_ / "backup";
  fs::copy(Home(), backup, fs::copy_options::recursive);
  Add("laptop", "t2");
  Add("laptop", "t3");
  // The storage is restored from the backup: t2 and t3 are gone from it,
  // and the laptop's head is the old one.
  fs::remove_all(Home());
  fs::copy(backup, Home(), fs::copy_options::recursive);

  CommandResult repaired = Todos("sync --dir " + Dir("laptop"));
  EXPECT_EQ(repaired.exit_code, 0) << repaired.output;
  CommandResult synced = Todos("sync --dir " + Dir("phone"));
  EXPECT_EQ(synced.exit_code, 0) << synced.output;
  const std::string list = List("phone");
  for (const char* id : {"title-t1", "title-t2", "title-t3"}) {
    EXPECT_NE(list.find(id), std::string::npos) << list;
  }
  // Later writes flow as before.
  Add("laptop", "t4");
  EXPECT_EQ(Todos("sync --dir " + Dir("phone")).exit_code, 0);
  EXPECT_NE(List("phone").find("title-t4"), std::string::npos);
}

TEST_F(SelfRepairCliTest, EmptyFilePlantedAtTheNextSeqIsReplacedAndReported) {
  InitLaptop();
  Join("phone");
  Add("laptop", "t1");
  const std::string log = LogDir("laptop");
  int count = 0;
  for (const auto& entry : fs::directory_iterator(log)) {
    (void)entry;
    ++count;
  }
  // Whoever holds the storage plants an empty file where the laptop's next
  // object goes.
  { std::ofstream(log + "/" + SeqName(count + 1)); }

  CommandResult add =
      Todos("add --dir " + Dir("laptop") + " --id t2 after-the-plant");
  EXPECT_EQ(add.exit_code, 0) << add.output;
  EXPECT_EQ(add.output.find("another device is using"), std::string::npos)
      << add.output;
  EXPECT_NE(add.output.find("TAMPERING"), std::string::npos) << add.output;
  CommandResult status = Coven("status --dir " + Dir("laptop"));
  EXPECT_EQ(status.exit_code, 5) << status.output;
  EXPECT_NE(status.output.find("ALARM     the home"), std::string::npos)
      << status.output;
  EXPECT_NE(status.output.find("did not write"), std::string::npos)
      << status.output;

  // Nothing is stuck: this write and later ones reach the phone.
  Add("laptop", "t3");
  CommandResult synced = Todos("sync --dir " + Dir("phone"));
  EXPECT_EQ(synced.exit_code, 0) << synced.output;
  const std::string list = List("phone");
  EXPECT_NE(list.find("after-the-plant"), std::string::npos) << list;
  EXPECT_NE(list.find("title-t3"), std::string::npos) << list;
}

TEST_F(SelfRepairCliTest, ObjectReplacedByJunkAfterAReaderSawItIsRepaired) {
  InitLaptop();
  Join("phone");
  Add("laptop", "t1");
  Add("laptop", "t2");
  const std::vector<fs::path> objects = LogObjects("laptop");
  // The last object is overwritten with junk of another size before the
  // phone reads it: the phone quarantines it.
  { std::ofstream(objects.back(), std::ios::trunc) << "junk"; }
  CommandResult seen = Todos("sync --dir " + Dir("phone"));
  EXPECT_NE(seen.output.find("quarantined"), std::string::npos) << seen.output;

  // The laptop's audit stores its object again; the phone's next rounds
  // apply it from quarantine.
  CommandResult repaired = Todos("sync --dir " + Dir("laptop"));
  EXPECT_EQ(repaired.exit_code, 5) << repaired.output;  // tampering found
  EXPECT_NE(repaired.output.find("TAMPERING"), std::string::npos)
      << repaired.output;
  EXPECT_EQ(Todos("sync --dir " + Dir("phone")).exit_code, 0);
  const std::string list = List("phone");
  EXPECT_NE(list.find("title-t1"), std::string::npos) << list;
  EXPECT_NE(list.find("title-t2"), std::string::npos) << list;
}

TEST_F(SelfRepairCliTest, SameSizeJunkIsFoundByReadingBackAndRepaired) {
  InitLaptop();
  Join("phone");
  Add("laptop", "t1");
  Add("laptop", "t2");
  const std::vector<fs::path> objects = LogObjects("laptop");
  // Random bytes of exactly the object's size: no listing shows it.
  const fs::path victim = objects.back();
  const auto size = fs::file_size(victim);
  {
    std::ofstream out(victim, std::ios::trunc | std::ios::binary);
    for (std::uintmax_t i = 0; i < size; ++i) out.put(static_cast<char>(i * 7));
  }
  CommandResult seen = Todos("sync --dir " + Dir("phone"));
  EXPECT_EQ(seen.exit_code, 5) << seen.output;  // quarantined: a data problem
  EXPECT_NE(seen.output.find("quarantined"), std::string::npos) << seen.output;

  CommandResult repaired = Todos("sync --dir " + Dir("laptop"));
  EXPECT_EQ(repaired.exit_code, 5) << repaired.output;  // tampering found
  EXPECT_NE(repaired.output.find("TAMPERING"), std::string::npos)
      << repaired.output;
  CommandResult applied = Todos("sync --dir " + Dir("phone"));
  EXPECT_EQ(applied.exit_code, 0) << applied.output;
  EXPECT_NE(List("phone").find("title-t2"), std::string::npos);
  CommandResult status = Coven("status --dir " + Dir("phone"));
  EXPECT_EQ(status.exit_code, 0) << status.output;

  // The laptop's alarm stays until acknowledged.
  EXPECT_EQ(Coven("status --dir " + Dir("laptop")).exit_code, 5);
  CommandResult ack = Coven("status --acknowledge --dir " + Dir("laptop"));
  EXPECT_NE(ack.output.find("acknowledged: the home"), std::string::npos)
      << ack.output;
  EXPECT_EQ(Coven("status --dir " + Dir("laptop")).exit_code, 0);
}

TEST_F(SelfRepairCliTest, FolderPlantedAtTheNextSeqGetsAClearError) {
  InitLaptop();
  Add("laptop", "t1");
  const std::string log = LogDir("laptop");
  int count = 0;
  for (const auto& entry : fs::directory_iterator(log)) {
    (void)entry;
    ++count;
  }
  const std::string planted = log + "/" + SeqName(count + 1);
  fs::create_directories(planted + "/inner");
  CommandResult add =
      Todos("add --dir " + Dir("laptop") + " --id t2 held-back");
  EXPECT_NE(add.output.find("remove log/"), std::string::npos) << add.output;
  CommandResult sync = Coven("sync --dir " + Dir("laptop"));
  EXPECT_NE(sync.exit_code, 0) << sync.output;
  EXPECT_NE(sync.output.find("remove log/"), std::string::npos) << sync.output;
  EXPECT_EQ(sync.output.find("another copy"), std::string::npos) << sync.output;
  // Once the folder is gone, the held write goes out.
  fs::remove_all(planted);
  CommandResult resumed = Todos("sync --dir " + Dir("laptop"));
  EXPECT_EQ(resumed.exit_code, 0) << resumed.output;
  Join("phone");
  CommandResult synced = Todos("sync --dir " + Dir("phone"));
  EXPECT_EQ(synced.exit_code, 0) << synced.output;
  EXPECT_NE(List("phone").find("held-back"), std::string::npos);
}

}  // namespace
}  // namespace coven::testing
