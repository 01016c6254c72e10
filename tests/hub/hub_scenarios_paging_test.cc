// claw-sync's acceptance scenarios 6 and 8 (research/claw-sync.md §7)
// through a real coven-hub on SQLite and on PostgreSQL: payloads that need
// many Pull pages and more than one gRPC message.
//
//   6  a flush cut into hundreds of pieces, more than one Pull returns (256
//      objects, 4 MiB a page), and the same over a hub whose pages hold one
//      object each: the pull completes and the reader's cursor advances
//      every round until it reaches the author's last object
//   8  a flush larger than the hub's gRPC message limit (16 MiB): shipped
//      in objects below it, one Push each, and all of it delivered
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "hub/hub_server.h"
#include "hub/server/hub_server.h"
#include "hub/store/store.h"
#include "test_device.h"
#include "test_servers.h"

namespace coven::testing {
namespace {

constexpr std::int64_t kPagingStart = 1'700'000'000'000;
// coven-hub's default HubServerOptions::max_message_bytes.
constexpr std::int64_t kHubMessageBytes = 16 << 20;

// `rows` todos in one transaction, ids `<prefix>-<n>`, titles from `title`
// (SQL over i).
std::string InsertTodos(const std::string& prefix, int rows,
                        const std::string& title) {
  return "BEGIN; WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 "
         "FROM c WHERE i < " +
         std::to_string(rows) + ") INSERT INTO todos SELECT '" + prefix +
         "-' || i, " + title + ", i % 2, coven_hlc() FROM c; COMMIT;";
}

std::int64_t QueryNumber(TestDevice& device, const std::string& sql) {
  std::lock_guard<std::recursive_mutex> lock(device.sync_db().write_mutex());
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(device.db(), sql.c_str(), -1, &stmt, nullptr),
            SQLITE_OK)
      << sql;
  std::int64_t out = -1;
  if (sqlite3_step(stmt) == SQLITE_ROW) out = sqlite3_column_int64(stmt, 0);
  sqlite3_finalize(stmt);
  return out;
}

// Syncs `device` until its outbox is empty; returns its last pushed seq.
std::int64_t PushAll(TestDevice& device) {
  for (int round = 0; round < 50; ++round) {
    device.Sync();
    if (device.manager().status().pending_objects == 0) break;
  }
  EXPECT_EQ(device.manager().status().pending_objects, 0u);
  return QueryNumber(device,
                     "SELECT CAST(value AS INTEGER) FROM sync_state WHERE "
                     "key = 'pushed_seq'");
}

// Syncs `reader` until its cursor of `author` reaches `last`; every round
// must move it forward. Returns the rounds it took.
int PullAll(TestDevice& reader, TestDevice& author, std::int64_t last) {
  const std::string cursor = "SELECT seq FROM sync_cursors WHERE author = '" +
                             author.manager().status().device_id + "'";
  std::int64_t before = QueryNumber(reader, cursor);
  int rounds = 0;
  while (before < last && rounds < 50) {
    reader.Sync();
    ++rounds;
    const std::int64_t now = QueryNumber(reader, cursor);
    EXPECT_GT(now, before) << "round " << rounds << " did not advance";
    if (now <= before) break;
    before = now;
  }
  EXPECT_EQ(before, last) << "the reader's cursor stopped short";
  return rounds;
}

// Scenario 6 over `url`: A flushes `rows` rows in pieces of at most 8 KiB;
// B pulls them all and ends equal. Returns A's objects.
std::int64_t PiecesArrive(const std::string& url, int rows) {
  const TestLibrary library = MakeLibrary(77);
  auto clock = std::make_shared<ManualClock>(kPagingStart);
  TestDevice::Options small;
  small.max_object_bytes = 8 << 10;
  small.home_url = url;
  small.create_home = true;
  auto a = TestDevice::Create(library, nullptr, 21, clock, small);
  small.create_home = false;
  auto b = TestDevice::Create(library, nullptr, 22, clock, small);
  if (!a || !b) {
    ADD_FAILURE() << "devices did not start";
    return 0;
  }
  a->Sync();
  b->Sync();
  a->Exec(InsertTodos("t", rows, "'todo ' || i || ' ' || hex(randomblob(24))"));
  const std::int64_t last = PushAll(*a);
  const int rounds = PullAll(*b, *a, last);
  std::printf("[ pieces ] %lld objects pulled in %d rounds\n",
              static_cast<long long>(last), rounds);
  EXPECT_EQ(b->Dump("todos").size(), static_cast<std::size_t>(rows));
  EXPECT_EQ(b->Dump("todos"), a->Dump("todos"));
  EXPECT_TRUE(b->manager().status().quarantined.empty());
  return last;
}

class HubPagingTest : public ::testing::TestWithParam<HubStore> {
 protected:
  void SetUp() override {
    hub_ = GetParam().hub();
    ASSERT_NE(hub_, nullptr);
  }
  std::string FreshUrl() {
    return hub_->Url(UniqueSpace("paging"), "&timeout_ms=5000");
  }

  HubServer* hub_ = nullptr;
};

TEST_P(HubPagingTest, AFlushInMorePiecesThanOnePullPullsWhole) {
  // More objects than one Pull may return (256), over 4 MiB of them.
  EXPECT_GT(PiecesArrive(FreshUrl(), 20'000), 256);
}

TEST_P(HubPagingTest, AFlushLargerThanAMessageIsSplitAndDelivered) {
  const TestLibrary library = MakeLibrary(78);
  auto clock = std::make_shared<ManualClock>(kPagingStart);
  TestDevice::Options options;
  options.home_url = FreshUrl();
  options.create_home = true;
  auto a = TestDevice::Create(library, nullptr, 23, clock, options);
  options.create_home = false;
  auto b = TestDevice::Create(library, nullptr, 24, clock, options);
  ASSERT_TRUE(a && b);
  a->Sync();
  b->Sync();
  // 10,000 rows of 4 KiB of hex: about 40 MiB, 20 MiB or more compressed.
  constexpr int kRows = 10'000;
  a->Exec(InsertTodos("big", kRows, "hex(randomblob(2048))"));
  const std::int64_t last = PushAll(*a);
  const std::int64_t sent =
      QueryNumber(*a, "SELECT SUM(length(object)) FROM _coven_sent");
  const std::int64_t largest =
      QueryNumber(*a, "SELECT MAX(length(object)) FROM _coven_sent");
  std::printf("[ large flush ] %lld bytes in %lld objects, largest %lld\n",
              static_cast<long long>(sent), static_cast<long long>(last),
              static_cast<long long>(largest));
  EXPECT_GT(sent, kHubMessageBytes);
  EXPECT_LT(largest, kHubMessageBytes);
  PullAll(*b, *a, last);
  EXPECT_EQ(b->Dump("todos").size(), static_cast<std::size_t>(kRows));
  EXPECT_TRUE(b->Dump("todos") == a->Dump("todos"))
      << "B's todos differ from A's";
  EXPECT_TRUE(b->manager().status().last_error.empty())
      << b->manager().status().last_error;
}

INSTANTIATE_TEST_SUITE_P(Stores, HubPagingTest, EveryHubStore(), HubStoreName);

// Scenario 6 with a tiny page: coven-hub has no flag for its Pull page
// bound, so this hub runs in this process (the same server and SQLite
// store as the program) with pages of one object each.
TEST(HubTinyPageTest, APullOfOneObjectAPageCompletes) {
  TempDir dir("tiny-page-hub");
  ASSERT_FALSE(dir.path().empty());
  auto store = hub::store::OpenSqliteStore(dir.path());
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  hub::server::HubServerOptions options;
  options.listen = "127.0.0.1:0";
  options.plaintext = true;
  options.core.max_page_bytes = 1;
  options.core.log = [](const std::string&) {};
  auto server = hub::server::HubServer::Start(*store, options);
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  const std::string url =
      "hub://127.0.0.1:" + std::to_string((*server)->port()) +
      "/tiny?plaintext=1&timeout_ms=5000";
  EXPECT_GT(PiecesArrive(url, 4'000), 10);
  (*server)->Shutdown();
  (*server)->Wait();
}

}  // namespace
}  // namespace coven::testing
