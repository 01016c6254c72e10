// The SQLite store's per-connection statement cache (db::StmtCache), and
// what the stores must keep doing with statements reused across calls.
#include <sqlite3.h>

#include <string>

#include "db/sql.h"
#include "db/stmt_cache.h"
#include "hub/store/paths.h"
#include "hub/store_test_util.h"

namespace coven::hub::store::testing {
namespace {

constexpr std::uint64_t kCacheAuthor = 0xc4;

class HubStoreStmtCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(sqlite3_open(":memory:", &db_), SQLITE_OK);
    ASSERT_STORE_OK(db::Exec(db_,
                             "CREATE TABLE t(x INTEGER PRIMARY KEY);"
                             "INSERT INTO t VALUES(1), (2)"));
    cache_ = std::make_unique<db::StmtCache>(db_);
  }
  void TearDown() override {
    cache_.reset();
    // Closes only when the cache finalized every statement.
    EXPECT_EQ(sqlite3_close(db_), SQLITE_OK);
  }

  sqlite3* db_ = nullptr;
  std::unique_ptr<db::StmtCache> cache_;
};

TEST_F(HubStoreStmtCacheTest, ALeaseEndedMidStepIsResetAndCleared) {
  const std::string sql = "SELECT x FROM t WHERE x >= ? ORDER BY x";
  sqlite3_stmt* raw = nullptr;
  {
    Result<db::CachedStmt> stmt = cache_->Get(sql);
    ASSERT_STORE_OK(stmt);
    (*stmt)->Bind(1, std::int64_t{1});
    Result<bool> row = (*stmt)->Step();
    ASSERT_STORE_OK(row);
    ASSERT_TRUE(*row);
    raw = (*stmt)->get();
    EXPECT_TRUE(sqlite3_stmt_busy(raw));
  }  // Ended with a row still pending.
  EXPECT_FALSE(sqlite3_stmt_busy(raw));
  Result<db::CachedStmt> again = cache_->Get(sql);
  ASSERT_STORE_OK(again);
  EXPECT_EQ((*again)->get(), raw);  // Prepared once.
  // Its binding was cleared: x >= NULL matches nothing.
  Result<bool> row = (*again)->Step();
  ASSERT_STORE_OK(row);
  EXPECT_FALSE(*row);
  EXPECT_EQ(cache_->size(), 1u);
}

TEST_F(HubStoreStmtCacheTest, TheSameSqlTwiceAtOnceGetsTwoStatements) {
  const std::string sql = "SELECT x FROM t ORDER BY x";
  Result<db::CachedStmt> outer = cache_->Get(sql);
  ASSERT_STORE_OK(outer);
  ASSERT_TRUE(*(*outer)->Step());
  Result<db::CachedStmt> inner = cache_->Get(sql);
  ASSERT_STORE_OK(inner);
  EXPECT_NE((*inner)->get(), (*outer)->get());
  ASSERT_TRUE(*(*inner)->Step());
  EXPECT_EQ((*inner)->ColumnInt(0), 1);
  // The outer one kept its place.
  ASSERT_TRUE(*(*outer)->Step());
  EXPECT_EQ((*outer)->ColumnInt(0), 2);
}

TEST_F(HubStoreStmtCacheTest, AStatementThatFailedIsReusable) {
  const std::string sql = "INSERT INTO t VALUES(?)";
  {
    Result<db::CachedStmt> insert = cache_->Get(sql);
    ASSERT_STORE_OK(insert);
    (*insert)->Bind(1, std::int64_t{1});
    EXPECT_EQ((*insert)->Run().code(), StatusCode::kInvalidArgument);
  }
  Result<db::CachedStmt> insert = cache_->Get(sql);
  ASSERT_STORE_OK(insert);
  (*insert)->Bind(1, std::int64_t{3});
  EXPECT_TRUE((*insert)->Run().ok());
  EXPECT_EQ(sqlite3_changes(db_), 1);
}

TEST_F(HubStoreStmtCacheTest, StatementsBeyondTheBoundAreNotKept) {
  for (std::size_t i = 0; i <= db::StmtCache::kMaxStatements; ++i) {
    Result<db::CachedStmt> stmt =
        cache_->Get("SELECT " + std::to_string(i) + " FROM t");
    ASSERT_STORE_OK(stmt);
    Result<bool> row = (*stmt)->Step();
    ASSERT_STORE_OK(row);
    EXPECT_TRUE(*row);
  }
  EXPECT_EQ(cache_->size(), db::StmtCache::kMaxStatements);
}

// A push refused after its statements ran (a fork, a gap) leaves them
// reusable: the next push works, and reads see it.
TEST_P(HubStoreTest, PushAfterARefusedPushWorks) {
  ASSERT_STORE_OK(store_->PushLog(MakePush(kCacheAuthor, 1, 2)));
  EXPECT_EQ(store_->PushLog(MakePush(kCacheAuthor, 2, 3, /*variant=*/1))
                .status()
                .code(),
            StatusCode::kAlreadyExists);
  EXPECT_EQ(store_->PushLog(MakePush(kCacheAuthor, 5, 5)).status().code(),
            StatusCode::kFailedPrecondition);
  Result<LogPushResult> pushed =
      store_->PushLog(MakePush(kCacheAuthor, 2, 4, 0, ToBytes("h4")));
  ASSERT_STORE_OK(pushed);
  EXPECT_EQ(pushed->stored, 2u);
  EXPECT_EQ(pushed->already_had, 1u);
  EXPECT_EQ(PullAll(*store_, kCacheAuthor).size(), 4u);
}

// Reads that stop early (a space check that found its row, a page cut at
// max_objects) leave no statement mid-step: on SQLite one would keep its
// connection's snapshot, and later reads would miss later writes.
TEST_P(HubStoreTest, ReadsAfterEarlyStopsSeeLaterWrites) {
  for (std::uint64_t seq = 1; seq <= 4; ++seq) {
    ASSERT_STORE_OK(store_->PushLog(MakePush(
        kCacheAuthor, seq, seq, 0, ToBytes("h" + std::to_string(seq)))));
    Result<std::vector<HeadRow>> heads = store_->ListHeads(kSpace);
    ASSERT_STORE_OK(heads);
    ASSERT_EQ(heads->size(), 1u);
    EXPECT_EQ((*heads)[0].log_seq, seq);
    LogRange range;
    range.space = kSpace;
    range.author = kCacheAuthor;
    range.max_objects = 1;
    range.after_seq = seq - 1;
    Result<std::vector<StoredObject>> page = store_->PullLog(range);
    ASSERT_STORE_OK(page);
    ASSERT_EQ(page->size(), 1u);
    EXPECT_EQ((*page)[0].seq, seq);
    Result<Bytes> head = store_->GetObject(kSpace, HeadPath(kCacheAuthor), 0);
    ASSERT_STORE_OK(head);
    EXPECT_EQ(*head, ToBytes("h" + std::to_string(seq)));
  }
}

}  // namespace
}  // namespace coven::hub::store::testing
