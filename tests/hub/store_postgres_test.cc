// The store suite, PostgreSQL only: what only a shared database has.
// Several store instances are several hub processes; Kill and Restart take
// the server away under them.
#include <libpq-fe.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <map>
#include <mutex>
#include <thread>

#include "hub/store/paths.h"
#include "hub/store/push_plan.h"
#include "hub/store_test_util.h"

namespace coven::hub::store::testing {
namespace {

using Clock = std::chrono::steady_clock;

class HubPostgresStoreTest : public HubPostgresDatabaseTest {
 protected:
  Result<StoreRef> Open() { return OpenPostgresStore(url_, 4); }
};

TEST_F(HubPostgresStoreTest, StoresStartingTogetherMigrateOnce) {
  std::vector<std::thread> threads;
  std::vector<Status> opened(4);
  std::vector<StoreRef> stores(4);
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      Result<StoreRef> store = Open();
      opened[i] = store.status();
      if (store.ok()) stores[i] = *store;
    });
  }
  for (std::thread& t : threads) t.join();
  for (const Status& status : opened)
    EXPECT_TRUE(status.ok()) << status.ToString();
  PGconn* conn = PQconnectdb(url_.c_str());
  ASSERT_EQ(PQstatus(conn), CONNECTION_OK);
  PGresult* versions = PQexec(conn, "SELECT count(*) FROM schema_version");
  ASSERT_EQ(PQresultStatus(versions), PGRES_TUPLES_OK);
  EXPECT_STREQ(PQgetvalue(versions, 0, 0), "1");
  PQclear(versions);
  PQfinish(conn);
  // And each works.
  ASSERT_STORE_OK(stores[0]->CreateSpace(kSpace, Key32(1)));
  EXPECT_EQ(stores[3]->CreateSpace(kSpace, Key32(2)).code(),
            StatusCode::kAlreadyExists);
}

// Runs `sql` on `conn`; the test fails unless it succeeded.
void RunSql(PGconn* conn, const std::string& sql) {
  PGresult* result = PQexec(conn, sql.c_str());
  const ExecStatusType status = PQresultStatus(result);
  EXPECT_TRUE(status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK)
      << sql << ": " << PQresultErrorMessage(result);
  PQclear(result);
}

// Another hub process holds the author's head row mid-push: a push of the
// same author waits for its lock, then re-reads the moved head and finds
// its objects already stored (already_had), rather than inserting blind.
TEST_F(HubPostgresStoreTest, SameAuthorWaitsForTheHeadRowAndRechecks) {
  Result<StoreRef> opened = Open();
  ASSERT_STORE_OK(opened);
  StoreRef store = *opened;
  ASSERT_STORE_OK(store->CreateSpace(kSpace, Key32(1)));
  constexpr std::uint64_t kAuthor = 0x8000000000000042ull;
  ASSERT_STORE_OK(store->PushLog(MakePush(kAuthor, 1, 1)));

  // "Process A", by hand: lock the head row, store seqs 2..3, move the head
  // (once the store's push waits), commit.
  PGconn* other = PQconnectdb(url_.c_str());
  ASSERT_EQ(PQstatus(other), CONNECTION_OK);
  const std::string key = "space='" + std::string(kSpace) + "' AND author=" +
                          std::to_string(AuthorColumn(kAuthor));
  RunSql(other, "BEGIN");
  RunSql(other, "SELECT log_seq FROM heads WHERE " + key + " FOR UPDATE");
  for (std::uint64_t seq = 2; seq <= 3; ++seq) {
    const Bytes data = ObjectBytes(kAuthor, seq);
    RunSql(other,
           "INSERT INTO log_objects(space, author, seq, hash, size, data) "
           "VALUES('" +
               std::string(kSpace) + "', " +
               std::to_string(AuthorColumn(kAuthor)) + ", " +
               std::to_string(seq) + ", '\\x" + HexEncode(LogObjectHash(data)) +
               "', " + std::to_string(data.size()) + ", '\\x" +
               HexEncode(data) + "')");
  }

  Result<LogPushResult> pushed = InternalError("not run");
  std::thread pusher([&] { pushed = store->PushLog(MakePush(kAuthor, 2, 3)); });
  // Wait (bounded) until the store's push waits for a lock.
  bool waiting = false;
  PGconn* probe = PQconnectdb(url_.c_str());
  const auto deadline = Clock::now() + std::chrono::seconds(20);
  while (!waiting && Clock::now() < deadline) {
    PGresult* rows = PQexec(probe,
                            "SELECT count(*) FROM pg_stat_activity WHERE "
                            "wait_event_type = 'Lock' AND "
                            "datname = current_database()");
    waiting = PQresultStatus(rows) == PGRES_TUPLES_OK &&
              std::string(PQgetvalue(rows, 0, 0)) != "0";
    PQclear(rows);
    if (!waiting) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  PQfinish(probe);
  EXPECT_TRUE(waiting) << "the push did not wait for the head row";
  // Only now does A move the head: a push that read the head without
  // waiting for its lock would have seen 1 and collided with seqs 2..3.
  RunSql(other, "UPDATE heads SET log_seq=3 WHERE " + key);
  RunSql(other, "COMMIT");
  pusher.join();
  PQfinish(other);
  ASSERT_STORE_OK(pushed);
  EXPECT_EQ(pushed->already_had, 2u);
  EXPECT_EQ(pushed->stored, 0u);
  EXPECT_EQ(pushed->log_seq, 3u);
}

TEST_F(HubPostgresStoreTest, WatchSeesAnnounceFromAnotherProcess) {
  Result<StoreRef> watching = Open();
  ASSERT_STORE_OK(watching);
  Result<StoreRef> announcing = Open();
  ASSERT_STORE_OK(announcing);
  ChangeLog seen;
  (*watching)->Watch(seen.Watcher());
  Change change;
  change.space = kSpace;
  change.author = 0xfedcba9876543210ull;
  change.log_seq = 42;
  (*announcing)->Announce(change);
  EXPECT_TRUE(seen.WaitFor([&](const Change& c) {
    return c.space == kSpace && c.author == change.author && c.log_seq == 42;
  }));
  Change members;
  members.space = "other";
  members.members = true;
  (*announcing)->Announce(members);
  EXPECT_TRUE(seen.WaitFor(
      [](const Change& c) { return c.space == "other" && c.members; }));
  (*watching)->Watch(nullptr);
}

TEST_F(HubPostgresStoreTest, MissingBinariesFailSayingHowToInstall) {
  const char* old = std::getenv("COVEN_TEST_PG_BIN");
  const std::string saved = old ? old : "";
  setenv("COVEN_TEST_PG_BIN", "/nonexistent/postgresql/bin", 1);
  Result<std::unique_ptr<hub::testing::PostgresServer>> server =
      hub::testing::PostgresServer::Start();
  if (old) {
    setenv("COVEN_TEST_PG_BIN", saved.c_str(), 1);
  } else {
    unsetenv("COVEN_TEST_PG_BIN");
  }
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(server.status().message().find("scripts/install-deps.sh"),
            std::string::npos);
}

// kill -9 PostgreSQL while threads push: calls fail with kUnavailable,
// quickly, and nothing crashes; after Restart the store reconnects by
// itself; every push that returned OK is there exactly once; the watcher
// is told to re-read everything.
TEST_F(HubPostgresStoreTest, SurvivesKillDashNine) {
  Result<StoreRef> opened = Open();
  ASSERT_STORE_OK(opened);
  StoreRef store = *opened;
  ASSERT_STORE_OK(store->CreateSpace(kSpace, Key32(1)));
  ChangeLog seen;
  store->Watch(seen.Watcher());

  constexpr int kThreads = 3;
  std::mutex mutex;
  std::condition_variable progress;
  std::vector<std::uint64_t> acked(kThreads, 0);  // Guarded by mutex.
  std::vector<int> unavailable(kThreads, 0);      // Guarded by mutex.
  std::vector<std::string> failures;              // Guarded by mutex.
  Clock::duration slowest{};                      // Guarded by mutex.
  std::atomic<bool> stop{false};
  auto author = [](int t) { return 0x100ull + static_cast<std::uint64_t>(t); };

  std::vector<std::thread> pushers;
  for (int t = 0; t < kThreads; ++t) {
    pushers.emplace_back([&, t] {
      std::uint64_t next = 1;
      while (!stop) {
        const std::uint64_t last = next + (next % 2);  // Batches of 1 or 2.
        const auto start = Clock::now();
        Result<LogPushResult> pushed =
            store->PushLog(MakePush(author(t), next, last));
        const auto took = Clock::now() - start;
        {
          std::lock_guard lock(mutex);
          slowest = std::max(slowest, took);
          if (pushed.ok()) {
            acked[t] = last;
          } else if (pushed.status().code() == StatusCode::kUnavailable) {
            ++unavailable[t];
          } else {
            failures.push_back(pushed.status().ToString());
          }
        }
        progress.notify_all();
        if (pushed.ok()) {
          next = last + 1;
        } else {
          // Pacing while the server is away, not a correctness wait.
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
      }
    });
  }
  auto wait_until = [&](auto done) {
    std::unique_lock lock(mutex);
    return progress.wait_for(lock, std::chrono::seconds(30),
                             [&] { return done() || !failures.empty(); });
  };
  EXPECT_TRUE(wait_until([&] {
    return std::all_of(acked.begin(), acked.end(),
                       [](std::uint64_t a) { return a >= 6; });
  }));

  server_->Kill();
  EXPECT_TRUE(wait_until([&] {
    return std::all_of(unavailable.begin(), unavailable.end(),
                       [](int n) { return n >= 3; });
  }));
  // Reads fail the same way, quickly.
  const auto read_start = Clock::now();
  EXPECT_EQ(store->ListHeads(kSpace).status().code(), StatusCode::kUnavailable);
  EXPECT_LT(Clock::now() - read_start, std::chrono::seconds(5));
  std::vector<std::uint64_t> at_kill;
  {
    std::lock_guard lock(mutex);
    at_kill = acked;
  }

  ASSERT_STORE_OK(server_->Restart());
  EXPECT_TRUE(wait_until([&] {
    for (int t = 0; t < kThreads; ++t) {
      if (acked[t] < at_kill[t] + 6) return false;
    }
    return true;
  }));
  stop = true;
  for (std::thread& t : pushers) t.join();

  EXPECT_TRUE(failures.empty()) << ::testing::PrintToString(failures);
  EXPECT_LT(slowest, std::chrono::seconds(8));
  EXPECT_TRUE(seen.WaitFor([](const Change& c) {
    return c.space.empty() && c.author == 0 && !c.members;
  })) << "no empty Change after the server came back";
  store->Watch(nullptr);

  // Every acknowledged push is there exactly once, and nothing else.
  for (int t = 0; t < kThreads; ++t) {
    LogRange range;
    range.space = kSpace;
    range.author = author(t);
    std::vector<std::uint64_t> seqs;
    while (true) {
      range.after_seq = seqs.empty() ? 0 : seqs.back();
      Result<std::vector<StoredObject>> page = store->PullLog(range);
      ASSERT_STORE_OK(page);
      if (page->empty()) break;
      for (const StoredObject& object : *page) {
        EXPECT_EQ(object.data, ObjectBytes(author(t), object.seq));
        seqs.push_back(object.seq);
      }
    }
    ASSERT_GE(seqs.size(), acked[t]);
    // At most one unacknowledged batch (lost with its COMMIT answer) past
    // the last acknowledged one.
    EXPECT_LE(seqs.size(), acked[t] + 2);
    for (std::size_t i = 0; i < seqs.size(); ++i) EXPECT_EQ(seqs[i], i + 1);
  }
}

}  // namespace
}  // namespace coven::hub::store::testing
