// Flushes of any size, in process: a large transaction is cut into several
// objects below max_object_bytes, receivers apply them as one transaction,
// a flush that fails strands nothing, and a transaction too large for the
// capture session is recovered from its stamps (docs/capture.md).
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>

#include "cli_harness.h"
#include "coven/memory_home.h"
#include "engine/sync_engine.h"
#include "home_test_limits.h"
#include "object/sealed_object.h"
#include "test_device.h"

namespace coven::testing {
namespace {

constexpr std::int64_t kSplitStart = 1'700'000'000'000;

// `rows` todos in one statement, ids `<prefix>-<n>`, stamped with `stamp`
// (SQL).
std::string InsertTodos(const std::string& prefix, int rows,
                        const std::string& stamp = "coven_hlc()") {
  return "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c "
         "WHERE i < " +
         std::to_string(rows) + ") INSERT INTO todos SELECT '" + prefix +
         "-' || i, 'todo ' || i || ' ' || hex(randomblob(8)), i % 2, " + stamp +
         " FROM c;";
}

// The log objects in `home`, in order.
std::vector<home::ObjectInfo> LogObjects(home::Home& home) {
  auto listed = home::ListAll(home, "log/", kTestMaxList);
  EXPECT_TRUE(listed.ok()) << listed.status().ToString();
  return listed.ok() ? *listed : std::vector<home::ObjectInfo>{};
}

TEST(SplitFlushTest, ALargeTransactionIsSplitAndAppliedWhole) {
  auto home = home::MemoryHome::Create();
  auto lib = MakeLibrary(81);
  auto clock = std::make_shared<ManualClock>(kSplitStart);
  TestDevice::Options small;
  small.max_object_bytes = 64 << 10;
  auto a = TestDevice::Create(lib, home, 1, clock, small);
  auto b = TestDevice::Create(lib, home, 2, clock, small);
  a->Sync();
  b->Sync();
  a->Exec("BEGIN; " + InsertTodos("t", 20000) +
          "INSERT INTO todo_notes VALUES('n1', 't-7', 'a note', "
          "coven_hlc()); COMMIT;");
  auto report = a->Sync();
  EXPECT_EQ(report.flushed_rows, 20001u);
  const std::vector<home::ObjectInfo> objects = LogObjects(*home);
  ASSERT_GT(objects.size(), 3u);
  for (std::size_t i = 0; i < objects.size(); ++i) {
    EXPECT_LE(objects[i].size, small.max_object_bytes) << objects[i].path;
    auto bytes = home->Get(objects[i].path, kTestMaxRead);
    ASSERT_TRUE(bytes.ok());
    auto header = object::ParseHeader(*bytes);
    ASSERT_TRUE(header.ok());
    // Every part but the last says that the flush continues.
    EXPECT_EQ(header->kind, i + 1 < objects.size()
                                ? object::ObjectKind::kLogPart
                                : object::ObjectKind::kLog)
        << objects[i].path;
  }

  // A reader that can get every part but the last applies nothing yet.
  const home::ObjectInfo last = objects.back();
  const Bytes last_bytes = *home->Get(last.path, kTestMaxRead);
  ASSERT_TRUE(home->Delete(last.path).ok());
  auto partial = b->Sync();
  EXPECT_EQ(partial.applied_rows, 0u);
  EXPECT_TRUE(b->Dump("todos").empty());
  EXPECT_TRUE(b->Dump("todo_notes").empty());
  // Once the last one is there, the whole flush applies in one round.
  ASSERT_TRUE(home->Create(last.path, last_bytes).ok());
  auto whole = b->Sync();
  EXPECT_EQ(whole.pulled_objects, objects.size());
  EXPECT_EQ(b->Dump("todos"), a->Dump("todos"));
  EXPECT_EQ(b->Dump("todo_notes"), a->Dump("todo_notes"));
  EXPECT_EQ(b->Dump("todos").size(), 20000u);

  // Small flushes after it are single objects again.
  a->Exec(
      "UPDATE todos SET title = 'later', _updated_at = coven_hlc() "
      "WHERE id = 't-1'");
  EXPECT_EQ(a->Sync().pushed_objects, 1u);
  b->Sync();
  EXPECT_EQ(b->Dump("todos"), a->Dump("todos"));
}

TEST(SplitFlushTest, StagedPartsSurviveARestartOfTheReader) {
  auto home = home::MemoryHome::Create();
  auto lib = MakeLibrary(82);
  auto clock = std::make_shared<ManualClock>(kSplitStart);
  TestDevice::Options small;
  small.max_object_bytes = 32 << 10;
  auto a = TestDevice::Create(lib, home, 1, clock, small);
  a->Sync();
  a->Exec("BEGIN; " + InsertTodos("t", 5000) + "COMMIT;");
  a->Sync();
  const std::vector<home::ObjectInfo> objects = LogObjects(*home);
  ASSERT_GT(objects.size(), 2u);
  const Bytes last_bytes = *home->Get(objects.back().path, kTestMaxRead);
  ASSERT_TRUE(home->Delete(objects.back().path).ok());

  E2eTempDir dir;
  TestDevice::Options file = small;
  file.db_path = dir / "b.db";
  {
    auto b = TestDevice::Create(lib, home, 2, clock, file);
    b->Sync();
    EXPECT_TRUE(b->Dump("todos").empty());
    ASSERT_TRUE(b->manager().stop().ok());
  }
  ASSERT_TRUE(home->Create(objects.back().path, last_bytes).ok());
  auto b = TestDevice::Create(lib, home, 2, clock, file);
  auto report = b->Sync();
  // Only the last object is fetched again; the staged parts apply with it.
  EXPECT_EQ(report.pulled_objects, objects.size());
  EXPECT_EQ(b->Dump("todos"), a->Dump("todos"));
}

TEST(SplitFlushTest, ARejectedPartDoesNotStrandTheOthers) {
  auto home = home::MemoryHome::Create();
  auto lib = MakeLibrary(85);
  auto clock = std::make_shared<ManualClock>(kSplitStart);
  TestDevice::Options small;
  small.max_object_bytes = 32 << 10;
  auto a = TestDevice::Create(lib, home, 1, clock, small);
  auto b = TestDevice::Create(lib, home, 2, clock, small);
  a->Sync();
  b->Sync();
  a->Exec("BEGIN; " + InsertTodos("t", 5000) + "COMMIT;");
  a->Sync();
  const std::vector<home::ObjectInfo> objects = LogObjects(*home);
  ASSERT_GT(objects.size(), 3u);
  // The home damages the second part of the flush.
  const std::string damaged = objects[1].path;
  const Bytes original = *home->Get(damaged, kTestMaxRead);
  Bytes broken = original;
  broken[broken.size() / 2] ^= 0x40;
  ASSERT_TRUE(home->Replace(damaged, broken).ok());
  auto report = b->Sync();
  EXPECT_EQ(report.quarantined, 1u);
  // Every other part applied: the one before the damaged part on its own,
  // the ones after it with the last object.
  const std::size_t got = b->Dump("todos").size();
  EXPECT_GT(got, 0u);
  EXPECT_LT(got, 5000u);
  // Repaired and retried, the damaged part applies too.
  ASSERT_TRUE(home->Replace(damaged, original).ok());
  ASSERT_TRUE(b->manager().retry_quarantined().ok());
  EXPECT_EQ(b->Dump("todos"), a->Dump("todos"));
}

TEST(SplitFlushTest, FirstStartOverTablesIndexedByStamp) {
  // Existing rows with stamps of no device, in a rowid table and a WITHOUT
  // ROWID table, both with an index on `_updated_at`: the first start
  // restamps every row while it scans, and must ship each exactly once.
  E2eTempDir dir;
  const std::string schema =
      std::string(kTodoSchema) +
      "CREATE INDEX todos_by_stamp ON todos(_updated_at);"
      "CREATE TABLE tags (id TEXT PRIMARY KEY, name TEXT, _updated_at TEXT "
      "NOT NULL) WITHOUT ROWID;"
      "CREATE INDEX tags_by_stamp ON tags(_updated_at);";
  for (const char* name : {"a.db", "b.db"}) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir / name).c_str(), &db), SQLITE_OK);
    std::string sql = schema;
    if (std::string(name) == "a.db") {
      sql += InsertTodos("t", 3000, "'2000-01-01 00:00:00'") +
             "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c "
             "WHERE i < 2000) INSERT INTO tags SELECT 'tag-' || i, 'tag ' || "
             "i, '1999-12-31 ' || i FROM c;";
    }
    ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr),
              SQLITE_OK)
        << sqlite3_errmsg(db);
    sqlite3_close(db);
  }
  auto home = home::MemoryHome::Create();
  auto lib = MakeLibrary(86);
  auto clock = std::make_shared<ManualClock>(kSplitStart);
  TestDevice::Options options;
  options.tables = {"todos", "todo_notes", "tags"};
  options.max_object_bytes = 48 << 10;
  options.db_path = dir / "a.db";
  auto a = TestDevice::Create(lib, home, 1, clock, options);
  options.db_path = dir / "b.db";
  auto b = TestDevice::Create(lib, home, 2, clock, options);
  auto report = a->Sync();
  EXPECT_EQ(report.flushed_rows, 5000u);
  EXPECT_GT(LogObjects(*home).size(), 1u);
  b->Sync();
  EXPECT_EQ(b->Dump("todos"), a->Dump("todos"));
  EXPECT_EQ(b->Dump("tags"), a->Dump("tags"));
  EXPECT_EQ(b->Dump("tags").size(), 2000u);
  for (const std::string& row : a->Dump("todos")) {
    EXPECT_EQ(row.find("2000-01-01"), std::string::npos) << row;
  }
  // Nothing is left to ship.
  EXPECT_EQ(a->Sync().flushed_rows, 0u);
}

TEST(SplitFlushTest, AFailedFlushStrandsNothing) {
  auto home = home::MemoryHome::Create();
  auto lib = MakeLibrary(83);
  auto clock = std::make_shared<ManualClock>(kSplitStart);
  auto a = TestDevice::Create(lib, home, 1, clock);
  auto b = TestDevice::Create(lib, home, 2, clock);
  a->Exec(InsertTodos("old", 3));
  a->Sync();
  b->Sync();
  ASSERT_EQ(b->Dump("todos").size(), 3u);

  // Every kind of write the next flush must ship: stamped inserts, rows with
  // a stamp that is not this device's (restamped by the flush), an update
  // that leaves the stamp alone, a delete.
  a->Exec(InsertTodos("new", 50));
  a->Exec(InsertTodos("foreign", 5, "'2000-01-01 00:00:00'"));
  a->Exec("UPDATE todos SET title = 'changed, same stamp' WHERE id = 'old-1'");
  a->Exec("DELETE FROM todos WHERE id = 'old-2'");
  // The flush fails (here: the outbox refuses the object) ...
  a->Exec(
      "CREATE TEMP TRIGGER fail_flush BEFORE INSERT ON cloud_outbox BEGIN "
      "SELECT RAISE(ABORT, 'injected flush failure'); END;");
  auto failed = a->manager().flush();
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.status().message().find("injected flush failure"),
            std::string::npos)
      << failed.status().ToString();
  EXPECT_FALSE(a->manager().sync_now().ok());
  // ... and the round after the cause is gone ships every row.
  a->Exec("DROP TRIGGER fail_flush");
  auto report = a->Sync();
  EXPECT_EQ(report.flushed_rows, 50u + 5u + 1u + 1u);
  b->Sync();
  EXPECT_EQ(b->Dump("todos"), a->Dump("todos"));
  EXPECT_EQ(b->Dump("todos").size(), 3u + 50u + 5u - 1u);
}

TEST(SplitFlushTest, ATransactionLargerThanTheSessionLosesNothing) {
  auto home = home::MemoryHome::Create();
  auto lib = MakeLibrary(84);
  auto clock = std::make_shared<ManualClock>(kSplitStart);
  auto a = TestDevice::Create(lib, home, 1, clock);
  auto b = TestDevice::Create(lib, home, 2, clock);
  a->Exec(InsertTodos("old", 1000));
  a->Sync();
  b->Sync();
  // Recorded by the session before it reaches its bound: rows stamped by
  // another device and an update that leaves the stamp alone ...
  a->Exec("BEGIN;" + InsertTodos("foreign", 100, "'2000-01-01 00:00:00'") +
          "UPDATE todos SET title = 'same stamp' WHERE id = 'old-1';" +
          // ... then more than the session holds (about 90 bytes a row) ...
          InsertTodos("bulk", 200000) +
          // ... and, after the bound, stamped updates and deletes.
          "UPDATE todos SET completed = 2, _updated_at = coven_hlc() WHERE id "
          "IN ('old-3', 'bulk-5', 'foreign-7');" +
          "DELETE FROM todos WHERE id IN ('old-4', 'bulk-6', 'foreign-8');" +
          "COMMIT;");
  auto report = a->Sync();
  // Inserted rows (two of them deleted again), the updates of old rows, and
  // three deletions.
  EXPECT_EQ(report.flushed_rows, (100u + 200000u - 2u) + 2u + 3u);
  b->Sync();
  EXPECT_EQ(b->Dump("todos").size(), 1000u + 100u + 200000u - 3u);
  EXPECT_EQ(b->Dump("todos"), a->Dump("todos"));
}

}  // namespace
}  // namespace coven::testing
