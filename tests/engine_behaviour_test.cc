// Engine behaviour beyond plain convergence: clock drift, table validation,
// local-only tables, request counts, the background loop, key custody.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "coven/keys.h"
#include "coven/memory_home.h"
#include "coven/testing/fault_home.h"
#include "home_test_limits.h"
#include "test_device.h"

namespace coven::testing {
namespace {

TEST(EngineBehaviourTest, StampsFromTheFarFutureWaitForTheClock) {
  auto home = home::MemoryHome::Create();
  auto lib = MakeLibrary(3);
  auto fast = std::make_shared<ManualClock>(1'700'000'000'000 + 10 * 60'000);
  auto slow = std::make_shared<ManualClock>(1'700'000'000'000);
  auto a = TestDevice::Create(lib, home, 1, fast);
  auto b = TestDevice::Create(lib, home, 2, slow);
  a->Exec("INSERT INTO todos VALUES('t1', 'from the future', 0, coven_hlc())");
  a->Sync();
  auto held = b->Sync();
  EXPECT_EQ(held.pulled_objects, 0u);
  EXPECT_TRUE(b->Dump("todos").empty());
  ASSERT_FALSE(held.waiting.empty());
  EXPECT_NE(held.waiting[0].find("ahead of this device's clock"),
            std::string::npos)
      << held.waiting[0];
  EXPECT_EQ(held.quarantined, 0u);
  slow->Advance(6 * 60'000);  // now within 5 minutes of the stamp
  EXPECT_EQ(b->Sync().pulled_objects, 1u);
  EXPECT_EQ(b->Dump("todos"), a->Dump("todos"));
  // B's own next write sorts after the stamp it just saw.
  b->Exec(
      "UPDATE todos SET title = 'later', _updated_at = coven_hlc() WHERE id = "
      "'t1'");
  b->Sync();
  a->Sync();
  EXPECT_EQ(a->Dump("todos", false), std::vector<std::string>{"t1|later|0"});
}

TEST(EngineBehaviourTest, InvalidSyncedTablesAreRefusedWithAReason) {
  struct Case {
    const char* schema;
    const char* expected;
  } cases[] = {
      {"CREATE TABLE t (key TEXT PRIMARY KEY, _updated_at TEXT NOT NULL)",
       "column 0 must be `id TEXT PRIMARY KEY`"},
      {"CREATE TABLE t (id INTEGER PRIMARY KEY, _updated_at TEXT NOT NULL)",
       "column 0 must be `id TEXT PRIMARY KEY`"},
      {"CREATE TABLE t (id TEXT PRIMARY KEY, title TEXT)",
       "missing column `_updated_at"},
      {"CREATE TABLE t (id TEXT PRIMARY KEY, _updated_at TEXT)",
       "TEXT NOT NULL"},
      {"CREATE TABLE t (id TEXT, b TEXT, _updated_at TEXT NOT NULL, PRIMARY "
       "KEY(id, b))",
       "single column `id`"},
      {"CREATE VIEW t AS SELECT 'x' AS id, 'y' AS _updated_at",
       "not an ordinary table"},
      {"SELECT 1", "no such table"},
  };
  auto lib = MakeLibrary(4);
  for (const Case& c : cases) {
    auto db = db::SqliteSyncDb::Open(":memory:");
    ASSERT_TRUE(db.ok());
    ASSERT_EQ(sqlite3_exec((*db)->raw_write_handle(), c.schema, nullptr,
                           nullptr, nullptr),
              SQLITE_OK);
    keys::KeyService keys(true, lib.id_hex, "",
                          std::make_shared<SeededEntropy>(1));
    ASSERT_TRUE(keys.import_encryption_key(lib.key).ok());
    config::Config config =
        config::Config::with_defaults("", "d", std::nullopt);
    config.home = home::MemoryHome::Create();
    config.synced_tables = {"t"};
    auto manager = sync::sync_manager::SyncManager::Create(
        [config] { return config; }, keys,
        encryption::EncryptionService(lib.key), *db,
        std::make_shared<ManualClock>());
    ASSERT_FALSE(manager.ok()) << c.schema;
    EXPECT_EQ(manager.status().code(), StatusCode::kFailedPrecondition);
    EXPECT_NE(manager.status().message().find(c.expected), std::string::npos)
        << manager.status().message();
  }
}

TEST(EngineBehaviourTest, UnlistedTablesStayLocal) {
  auto home = home::MemoryHome::Create();
  auto lib = MakeLibrary(5);
  auto clock = std::make_shared<ManualClock>();
  TestDevice::Options only_todos;
  only_todos.tables = {"todos"};
  auto a = TestDevice::Create(lib, home, 1, clock, only_todos);
  auto b = TestDevice::Create(lib, home, 2, clock, only_todos);
  a->Exec("PRAGMA foreign_keys=OFF");
  a->Exec("INSERT INTO todos VALUES('t1', 'shared', 0, coven_hlc())");
  a->Exec("INSERT INTO todo_notes VALUES('n1', 't1', 'private', coven_hlc())");
  a->Sync();
  b->Sync();
  EXPECT_EQ(b->Dump("todos").size(), 1u);
  EXPECT_TRUE(b->Dump("todo_notes").empty());
}

TEST(EngineBehaviourTest, IdlePollReadsOnlyHeads) {
  auto memory = home::MemoryHome::Create();
  auto counted =
      std::make_shared<testing::FaultHome>(memory, testing::FaultOptions{});
  auto lib = MakeLibrary(6);
  auto clock = std::make_shared<ManualClock>();
  std::vector<std::unique_ptr<TestDevice>> others;
  for (int i = 0; i < 4; ++i) {
    others.push_back(TestDevice::Create(lib, memory, 10 + i, clock));
    others.back()->Exec("INSERT INTO todos VALUES('t" + std::to_string(i) +
                        "', 'x', 0, coven_hlc())");
    others.back()->Sync();
  }
  auto reader = TestDevice::Create(lib, counted, 1, clock);
  EXPECT_EQ(reader->Sync().pulled_objects, 4u);
  const auto before = counted->stats();
  auto idle = reader->Sync();
  const auto after = counted->stats();
  EXPECT_EQ(idle.pulled_objects, 0u);
  // One listing of members/ (from the last verified entry) and one of heads/.
  EXPECT_EQ(after.lists - before.lists, 2u);
  // One small GET per device, and the last member-log slot, read again and
  // compared by hash.
  EXPECT_EQ(after.gets - before.gets, 5u);
  EXPECT_EQ(after.creates - before.creates, 0u);
  EXPECT_EQ(after.replaces - before.replaces,
            0u);  // head unchanged: not rewritten
  EXPECT_EQ(idle.requests, 7u);
}

TEST(EngineBehaviourTest, BackgroundLoopDeliversAfterTrigger) {
  auto home = home::MemoryHome::Create();
  auto lib = MakeLibrary(8);
  auto clock = std::make_shared<ManualClock>();
  auto a = TestDevice::Create(lib, home, 1, clock);
  auto b = TestDevice::Create(lib, home, 2, clock);
  a->manager().start_sync();
  b->manager().start_sync();
  a->Exec("INSERT INTO todos VALUES('t1', 'background', 0, coven_hlc())");
  a->manager().trigger_sync();
  bool delivered = false;
  for (int i = 0; i < 200 && !delivered; ++i) {
    b->manager().trigger_sync();
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
    delivered = b->Dump("todos").size() == 1;
  }
  EXPECT_TRUE(delivered);
  EXPECT_TRUE(a->manager().status().running);
  EXPECT_TRUE(a->manager().stop().ok());
  EXPECT_TRUE(b->manager().stop().ok());
  EXPECT_FALSE(a->manager().status().running);
}

TEST(EngineBehaviourTest, LocalApplyFailureHoldsTheObjectInsteadOfLosingIt) {
  auto home = home::MemoryHome::Create();
  auto lib = MakeLibrary(9);
  auto clock = std::make_shared<ManualClock>();
  auto a = TestDevice::Create(lib, home, 1, clock);
  auto b = TestDevice::Create(lib, home, 2, clock);
  // A host trigger that fails (its audit table is missing) makes apply fail.
  b->Exec("CREATE TABLE audit_log (id TEXT)");
  b->Exec(
      "CREATE TRIGGER audit AFTER INSERT ON todos BEGIN "
      "INSERT INTO audit_log VALUES (NEW.id); END;");
  b->Exec("DROP TABLE audit_log");
  a->Exec("INSERT INTO todos VALUES('t1', 'kept', 0, coven_hlc())");
  a->Sync();
  auto held = b->Sync();
  EXPECT_EQ(held.quarantined, 0u);
  EXPECT_EQ(held.pulled_objects, 0u);
  ASSERT_FALSE(held.waiting.empty());
  EXPECT_NE(held.waiting.back().find("applying changeset: SQL logic error"),
            std::string::npos)
      << held.waiting.back();
  EXPECT_NE(held.waiting.back().find("retried next round"), std::string::npos);
  EXPECT_TRUE(b->Dump("todos").empty());
  b->Exec("CREATE TABLE audit_log (id TEXT)");
  EXPECT_EQ(b->Sync().pulled_objects, 1u);
  EXPECT_EQ(b->Dump("todos"), a->Dump("todos"));
}

TEST(EngineBehaviourTest, LostOrDamagedOwnHeadIsRewritten) {
  auto home = home::MemoryHome::Create();
  auto lib = MakeLibrary(10);
  auto clock = std::make_shared<ManualClock>();
  auto a = TestDevice::Create(lib, home, 1, clock);
  auto b = TestDevice::Create(lib, home, 2, clock);
  a->Exec("INSERT INTO todos VALUES('t1', 'x', 0, coven_hlc())");
  a->Sync();
  const std::string head = "heads/" + a->manager().status().device_id;
  ASSERT_TRUE(home->Delete(head).ok());
  EXPECT_EQ(b->Sync().pulled_objects, 0u);  // B cannot see A without a head
  auto repaired = a->Sync();
  ASSERT_FALSE(repaired.problems.empty());
  EXPECT_NE(repaired.problems[0].find("missing or damaged"), std::string::npos);
  EXPECT_EQ(b->Sync().pulled_objects, 1u);
  // A head replaced by garbage of another size is rewritten too.
  ASSERT_TRUE(home->PutRaw(head, ToBytes("garbage")).ok());
  a->Sync();
  a->Exec("INSERT INTO todos VALUES('t2', 'y', 0, coven_hlc())");
  a->Sync();
  EXPECT_EQ(b->Sync().pulled_objects, 1u);
  EXPECT_EQ(a->Dump("todos"), b->Dump("todos"));
}

TEST(EngineBehaviourTest, QuarantinedObjectAppliesOnRetryOnceRepaired) {
  auto home = home::MemoryHome::Create();
  auto lib = MakeLibrary(11);
  auto clock = std::make_shared<ManualClock>();
  auto a = TestDevice::Create(lib, home, 1, clock);
  auto b = TestDevice::Create(lib, home, 2, clock);
  a->Exec("INSERT INTO todos VALUES('t1', 'first', 0, coven_hlc())");
  a->Sync();
  const std::string path =
      "log/" + a->manager().status().device_id + "/0000000000000001";
  Bytes original = *home->Get(path, kTestMaxRead);
  ASSERT_TRUE(home->Corrupt(path, [](Bytes& b) { b[b.size() / 2] ^= 1; }).ok());
  EXPECT_EQ(b->Sync().quarantined, 1u);
  auto still = b->manager().retry_quarantined();
  ASSERT_TRUE(still.ok());
  EXPECT_EQ(still->pulled_objects, 0u);
  EXPECT_EQ(b->manager().status().quarantined.size(), 1u);
  ASSERT_TRUE(home->Corrupt(path, [&](Bytes& b) { b = original; }).ok());
  auto repaired = b->manager().retry_quarantined();
  ASSERT_TRUE(repaired.ok());
  EXPECT_EQ(repaired->pulled_objects, 1u);
  EXPECT_TRUE(b->manager().status().quarantined.empty());
  EXPECT_EQ(a->Dump("todos"), b->Dump("todos"));
}

TEST(EngineBehaviourTest, GarbageInAStoredCounterIsAClearErrorNotACrash) {
  auto home = home::MemoryHome::Create();
  auto lib = MakeLibrary(12);
  auto clock = std::make_shared<ManualClock>();
  auto a = TestDevice::Create(lib, home, 1, clock);
  auto b = TestDevice::Create(lib, home, 2, clock);
  a->Exec("INSERT INTO todos VALUES('t1', 'first', 0, coven_hlc())");
  a->Sync();
  // The next flush numbers its object from local_seq: damage it.
  a->Exec("UPDATE sync_state SET value = '1x' WHERE key = 'local_seq'");
  a->Exec("INSERT INTO todos VALUES('t2', 'second', 0, coven_hlc())");
  auto refused = a->manager().sync_now();
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(refused.status().message().find(
                "sync_state `local_seq` holds `1x`, not a decimal number"),
            std::string::npos)
      << refused.status().ToString();
  EXPECT_NE(refused.status().message().find("restore the database"),
            std::string::npos);
  // Nothing was lost: with the counter put back the write goes out.
  a->Exec("UPDATE sync_state SET value = '1' WHERE key = 'local_seq'");
  a->Sync();
  b->Sync();
  EXPECT_EQ(b->Dump("todos"), a->Dump("todos"));
  EXPECT_EQ(b->Dump("todos").size(), 2u);
}

TEST(EngineBehaviourTest, KeyFilesAreOwnerOnlyAndLooseOnesAreRefused) {
  char tmpl[] = "/tmp/coven-keys-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  const std::string library_id(32, 'a');
  {
    keys::KeyService keys(false, library_id, dir);
    auto key = keys.get_or_create_encryption_key();
    ASSERT_TRUE(key.ok()) << key.status().ToString();
    ASSERT_TRUE(keys.get_or_create_device_key().ok());
    struct stat st {};
    ASSERT_EQ(stat((dir + "/library-" + library_id + ".key").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    ASSERT_EQ(stat((dir + "/device.key").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    // A second service reads the same key.
    keys::KeyService again(false, library_id, dir);
    EXPECT_EQ(again.get_or_create_encryption_key()->bytes, key->bytes);
  }
  chmod((dir + "/device.key").c_str(), 0644);
  keys::KeyService loose(false, library_id, dir);
  auto refused = loose.get_or_create_device_key();
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(refused.status().message().find("chmod 600"), std::string::npos);
  std::ofstream(dir + "/library-" + std::string(32, 'b') + ".key")
      << "not hex\n";
  chmod((dir + "/library-" + std::string(32, 'b') + ".key").c_str(), 0600);
  keys::KeyService damaged(false, std::string(32, 'b'), dir);
  EXPECT_EQ(damaged.get_or_create_encryption_key().status().code(),
            StatusCode::kDataLoss);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace coven::testing
