// The PostgreSQL store bounds its statements: a push stuck behind a lock
// that another process holds fails as kUnavailable (lock_timeout, or
// statement_timeout when no lock timeout is set) instead of waiting
// forever, is rolled back, and leaves its connection usable.
#include <libpq-fe.h>

#include <chrono>
#include <future>
#include <string>

#include "hub/store/paths.h"
#include "hub/store_test_util.h"

namespace coven::hub::store::testing {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr std::uint64_t kTimeoutAuthor = 0x77;

class HubPostgresTimeoutTest : public HubPostgresDatabaseTest {
 protected:
  // Holds the author's head row locked from another connection while the
  // store pushes, and checks what the push answers.
  void ExpectPushGivesUp(const PostgresTimeouts& timeouts);
};

bool TryRunSql(PGconn* conn, const std::string& sql) {
  PGresult* result = PQexec(conn, sql.c_str());
  const ExecStatusType status = PQresultStatus(result);
  const bool ok = status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
  EXPECT_TRUE(ok) << sql << ": " << PQresultErrorMessage(result);
  PQclear(result);
  return ok;
}

void HubPostgresTimeoutTest::ExpectPushGivesUp(
    const PostgresTimeouts& timeouts) {
  // One connection: the push after the timed-out one runs on the same.
  Result<StoreRef> opened = OpenPostgresStore(url_, 1, timeouts);
  ASSERT_STORE_OK(opened);
  StoreRef store = *opened;
  ASSERT_STORE_OK(store->CreateSpace(kSpace, Key32(1)));
  ASSERT_STORE_OK(store->PushLog(MakePush(kTimeoutAuthor, 1, 1)));

  PGconn* other = PQconnectdb(url_.c_str());
  ASSERT_EQ(PQstatus(other), CONNECTION_OK);
  ASSERT_TRUE(TryRunSql(other, "BEGIN"));
  ASSERT_TRUE(TryRunSql(
      other, "SELECT log_seq FROM heads WHERE space='" + std::string(kSpace) +
                 "' AND author=" +
                 std::to_string(AuthorColumn(kTimeoutAuthor)) + " FOR UPDATE"));
  const Clock::time_point start = Clock::now();
  std::future<Result<LogPushResult>> pushed = std::async(
      std::launch::async,
      [&] { return store->PushLog(MakePush(kTimeoutAuthor, 2, 3)); });
  if (pushed.wait_for(std::chrono::seconds(20)) != std::future_status::ready) {
    TryRunSql(other, "ROLLBACK");  // Lets the push end.
    pushed.wait();
    PQfinish(other);
    FAIL() << "the push waited for the head row's lock without a bound";
  }
  const Result<LogPushResult> result = pushed.get();
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(10));
  EXPECT_EQ(result.status().code(), StatusCode::kUnavailable)
      << result.status().ToString();
  TryRunSql(other, "ROLLBACK");
  PQfinish(other);

  // Nothing of it was stored, and the connection works.
  EXPECT_EQ(
      store->GetObject(kSpace, LogPath(kTimeoutAuthor, 2), 0).status().code(),
      StatusCode::kNotFound);
  Result<LogPushResult> again = store->PushLog(MakePush(kTimeoutAuthor, 2, 3));
  ASSERT_STORE_OK(again);
  EXPECT_EQ(again->stored, 2u);
  EXPECT_EQ(again->log_seq, 3u);
}

TEST_F(HubPostgresTimeoutTest, PushGivesUpAtTheLockTimeout) {
  ExpectPushGivesUp(PostgresTimeouts{milliseconds(200), milliseconds(10'000)});
}

TEST_F(HubPostgresTimeoutTest, PushGivesUpAtTheStatementTimeout) {
  ExpectPushGivesUp(PostgresTimeouts{milliseconds(0), milliseconds(300)});
}

}  // namespace
}  // namespace coven::hub::store::testing
