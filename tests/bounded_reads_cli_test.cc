// End to end through the todos and coven programs over a folder home: a huge
// file planted where coven reads (the next member-log slot, a log object, a
// head) is refused without being read. The sync says which file it is, its
// memory stays near a normal sync's, nothing is stored or applied, and once
// the file is gone everything syncs as before (docs/format/folder-home.md,
// "Read limits").
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "cli_harness.h"

namespace coven::testing {
namespace {

namespace fs = std::filesystem;

// What a planted file is: more than any limit, sparse on disk.
constexpr std::uintmax_t kPlantedBytes = 64ull << 20;
// A sync that meets a planted file may use this much more memory than a
// normal one.
constexpr long kRssSlackKb = 16 << 10;

class BoundedReadsCliTest : public CliTest {
 protected:
  void InitLaptop() {
    CommandResult init = Todos("init --dir " + Dir("laptop") + " --home " +
                               Home() + " --name laptop");
    ASSERT_EQ(init.exit_code, 0) << init.output;
  }
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
  MeasuredResult Sync(const std::string& who) {
    return RunMeasured({TodosBin(), "sync", "--dir", Dir(who)});
  }
  // A sparse file of kPlantedBytes at `path` (relative to the home).
  void Plant(const std::string& path) {
    const std::string abs = Home() + "/" + path;
    fs::create_directories(fs::path(abs).parent_path());
    fs::remove(abs);
    { std::ofstream(abs, std::ios::binary); }
    fs::resize_file(abs, kPlantedBytes);
  }
  // The app database and its WAL, in bytes.
  std::uintmax_t DbBytes(const std::string& who) {
    std::uintmax_t total = 0;
    for (const char* suffix : {"", "-wal"}) {
      std::error_code ec;
      const auto size = fs::file_size(Dir(who) + "/todos.db" + suffix, ec);
      if (!ec) total += size;
    }
    return total;
  }
  // The rows that hold what this device took from the home.
  std::string LibraryRows(const std::string& who) {
    sqlite3* db = nullptr;
    std::string out;
    const std::string path = Dir(who) + "/todos.db";
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) !=
        SQLITE_OK) {
      sqlite3_close(db);
      return "cannot open " + path;
    }
    const char* sql =
        "SELECT 'members ' || count(*) || ' ' || ifnull(sum(length(bytes)), 0)"
        " FROM _coven_members UNION ALL "
        "SELECT 'quarantine ' || count(*) FROM _coven_quarantine UNION ALL "
        "SELECT 'staged ' || count(*) FROM _coven_staged_parts UNION ALL "
        "SELECT 'cursor ' || author || '=' || seq FROM sync_cursors UNION ALL "
        "SELECT 'state ' || key || '=' || value FROM sync_state WHERE key IN "
        "('member_alarm', 'head_alarm', 'tamper_alarm')";
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
  // The device id (16 hex) of `who`.
  std::string DeviceHex(const std::string& who) {
    const std::string status = Coven("status --dir " + Dir(who)).output;
    const auto at = status.find("device    ");
    EXPECT_NE(at, std::string::npos) << status;
    return at == std::string::npos ? "" : status.substr(at + 10, 16);
  }
  static std::string Hex16(std::uint64_t n) {
    char name[17];
    std::snprintf(name, sizeof(name), "%016llx",
                  static_cast<unsigned long long>(n));
    return name;
  }
  // What a normal sync of `who` peaks at (the best of two runs).
  long NormalSyncRss(const std::string& who) {
    long best = -1;
    for (int i = 0; i < 2; ++i) {
      MeasuredResult normal = Sync(who);
      EXPECT_EQ(normal.exit_code, 0) << normal.output;
      if (best < 0 || normal.peak_rss_kb < best) best = normal.peak_rss_kb;
    }
    EXPECT_GT(best, 0);
    return best;
  }
};

TEST_F(BoundedReadsCliTest, HugeFileAtTheNextMemberSlotIsRefusedUnread) {
  InitLaptop();
  Add("laptop", "t1");
  const long normal_kb = NormalSyncRss("laptop");
  const std::uintmax_t db_before = DbBytes("laptop");
  const std::string rows_before = LibraryRows("laptop");
  std::size_t slots = 0;
  for (const auto& entry : fs::directory_iterator(Home() + "/members")) {
    (void)entry;
    ++slots;
  }
  ASSERT_GT(slots, 0u);
  const std::string planted = "members/" + Hex16(slots + 1);
  Plant(planted);

  MeasuredResult sync = Sync("laptop");
  EXPECT_NE(sync.output.find(planted), std::string::npos) << sync.output;
  EXPECT_NE(sync.output.find("over 4096"), std::string::npos) << sync.output;
  EXPECT_LT(sync.peak_rss_kb, normal_kb + kRssSlackKb)
      << "normal sync " << normal_kb << " KiB\n"
      << sync.output;
  EXPECT_LT(DbBytes("laptop"), db_before + (64 << 10));
  EXPECT_EQ(LibraryRows("laptop"), rows_before);
  // It waits at that slot: the next sync says the same.
  MeasuredResult again = Sync("laptop");
  EXPECT_NE(again.output.find(planted), std::string::npos) << again.output;
  EXPECT_EQ(LibraryRows("laptop"), rows_before);

  fs::remove(Home() + "/" + planted);
  MeasuredResult clean = Sync("laptop");
  EXPECT_EQ(clean.exit_code, 0) << clean.output;
  EXPECT_EQ(clean.output.find(planted), std::string::npos) << clean.output;
  CommandResult status = Coven("status --dir " + Dir("laptop"));
  EXPECT_EQ(status.exit_code, 0) << status.output;
  EXPECT_EQ(status.output.find("rolled"), std::string::npos) << status.output;
  EXPECT_EQ(LibraryRows("laptop"), rows_before);
  // The log still grows where the planted file was.
  Add("laptop", "t2");
  EXPECT_EQ(Sync("laptop").exit_code, 0);
}

TEST_F(BoundedReadsCliTest, HugeFileAtALogObjectIsRefusedUnread) {
  InitLaptop();
  Join("phone");
  Add("laptop", "t1");
  ASSERT_EQ(Sync("laptop").exit_code, 0);
  const long normal_kb = NormalSyncRss("phone");
  Add("laptop", "t2");
  ASSERT_EQ(Sync("laptop").exit_code, 0);
  // The laptop's newest object, which the phone has not applied, is
  // replaced by a file larger than any object (max_object_bytes, 64 MiB).
  std::vector<fs::path> objects;
  for (const auto& entry :
       fs::directory_iterator(Home() + "/log/" + DeviceHex("laptop"))) {
    objects.push_back(entry.path());
  }
  std::sort(objects.begin(), objects.end());
  ASSERT_FALSE(objects.empty());
  const std::string planted =
      fs::relative(objects.back(), Home()).generic_string();
  Plant(planted);
  fs::resize_file(Home() + "/" + planted, kPlantedBytes + 1);
  const std::uintmax_t db_before = DbBytes("phone");
  const std::string rows_before = LibraryRows("phone");

  MeasuredResult sync = Sync("phone");
  EXPECT_NE(sync.output.find(planted), std::string::npos) << sync.output;
  EXPECT_NE(sync.output.find("over the limit"), std::string::npos)
      << sync.output;
  EXPECT_LT(sync.peak_rss_kb, normal_kb + kRssSlackKb)
      << "normal sync " << normal_kb << " KiB\n"
      << sync.output;
  EXPECT_EQ(List("phone").find("title-t2"), std::string::npos);
  EXPECT_LT(DbBytes("phone"), db_before + (64 << 10));
  // Quarantined unread, as any object over max_object_bytes: one row
  // without the bytes.
  EXPECT_NE(rows_before.find("quarantine 0"), std::string::npos);
  EXPECT_NE(LibraryRows("phone").find("quarantine 1"), std::string::npos);

  // The author stores its object again over the planted file (and raises
  // its tamper alarm); the phone then applies it.
  MeasuredResult repaired = Sync("laptop");
  EXPECT_NE(repaired.output.find("TAMPERING"), std::string::npos)
      << repaired.output;
  MeasuredResult healed = Sync("phone");
  EXPECT_EQ(healed.exit_code, 0) << healed.output;
  EXPECT_NE(List("phone").find("title-t2"), std::string::npos);
}

TEST_F(BoundedReadsCliTest, HugeFilesAtHeadsAreRefusedUnread) {
  InitLaptop();
  Join("phone");
  Add("laptop", "t1");
  ASSERT_EQ(Sync("laptop").exit_code, 0);
  const long normal_kb = NormalSyncRss("phone");
  Add("laptop", "t2");
  ASSERT_EQ(Sync("laptop").exit_code, 0);
  // The laptop's head, and a head of a device that does not exist.
  const std::string laptop_head = "heads/" + DeviceHex("laptop");
  const std::string stranger_head = "heads/" + Hex16(0x0123456789abcdefULL);
  Plant(laptop_head);
  Plant(stranger_head);
  const std::uintmax_t db_before = DbBytes("phone");
  const std::string rows_before = LibraryRows("phone");

  MeasuredResult sync = Sync("phone");
  EXPECT_NE(sync.output.find(laptop_head), std::string::npos) << sync.output;
  EXPECT_NE(sync.output.find(stranger_head), std::string::npos) << sync.output;
  EXPECT_NE(sync.output.find("over the limit"), std::string::npos)
      << sync.output;
  EXPECT_LT(sync.peak_rss_kb, normal_kb + kRssSlackKb)
      << "normal sync " << normal_kb << " KiB\n"
      << sync.output;
  EXPECT_EQ(List("phone").find("title-t2"), std::string::npos);
  EXPECT_LT(DbBytes("phone"), db_before + (64 << 10));
  EXPECT_EQ(LibraryRows("phone"), rows_before);

  // The laptop rewrites its head; the stranger's file goes.
  fs::remove(Home() + "/" + stranger_head);
  EXPECT_EQ(Sync("laptop").exit_code, 0);
  MeasuredResult healed = Sync("phone");
  EXPECT_EQ(healed.exit_code, 0) << healed.output;
  EXPECT_NE(List("phone").find("title-t2"), std::string::npos);
}

}  // namespace
}  // namespace coven::testing
