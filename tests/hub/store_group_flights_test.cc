// A group of pushes of different authors: on PostgreSQL it is sent in two
// flights for the whole group (postgres_store_group.cc), on SQLite it runs
// push by push; both settle every push on its own. And, PostgreSQL only,
// the way back to push by push when a statement of the second flight fails.
#include <libpq-fe.h>

#include "hub/store/paths.h"
#include "hub/store/push_plan.h"
#include "hub/store_test_util.h"

namespace coven::hub::store::testing {
namespace {

constexpr std::uint64_t kFlightsNew = 0xf1;
constexpr std::uint64_t kFlightsFork = 0xf2;
constexpr std::uint64_t kFlightsGap = 0xf3;
constexpr std::uint64_t kFlightsRetry = 0xf4;
constexpr std::uint64_t kFlightsHeadOnly = 0xf5;
constexpr std::uint64_t kFlightsElsewhere = 0xf6;
constexpr std::uint64_t kFlightsInvalid = 0xf7;

// Every outcome a push can have, each from a different author, in one
// group: each push gets its own answer, and only the good ones store.
TEST_P(HubStoreTest, AGroupOfDifferentAuthorsSettlesEachPushAlone) {
  ASSERT_STORE_OK(
      store_->PushLog(MakePush(kFlightsFork, 1, 2, 0, ToBytes("fork-2"))));
  ASSERT_STORE_OK(
      store_->PushLog(MakePush(kFlightsRetry, 1, 2, 0, ToBytes("retry-2"))));
  ASSERT_STORE_OK(store_->PushLog(
      MakePush(kFlightsHeadOnly, 1, 1, 0, ToBytes("head-only-1"))));

  const TestPush fresh = MakePush(kFlightsNew, 1, 3, 0, ToBytes("new-3"));
  const TestPush fork = MakePush(kFlightsFork, 2, 3, 1, ToBytes("fork-3"));
  const TestPush gap = MakePush(kFlightsGap, 2, 2, 0, ToBytes("gap-2"));
  const TestPush retry = MakePush(kFlightsRetry, 2, 4, 0, ToBytes("retry-4"));
  TestPush head_only;
  head_only.space = kSpace;
  head_only.author = kFlightsHeadOnly;
  head_only.head = ToBytes("head-only-again");
  TestPush elsewhere = MakePush(kFlightsElsewhere, 1, 1);
  elsewhere.space = "no-such-space";
  TestPush invalid = MakePush(kFlightsInvalid, 1, 1);
  invalid.space.clear();
  const std::vector<const LogPush*> group = {
      &invalid, &retry, &fresh, &gap, &elsewhere, &head_only, &fork};

  std::vector<Result<LogPushResult>> results = store_->PushLogs(group);
  ASSERT_EQ(results.size(), group.size());
  EXPECT_EQ(results[0].status().code(), StatusCode::kInvalidArgument);
  ASSERT_STORE_OK(results[1]);
  EXPECT_EQ(results[1]->stored, 2u);
  EXPECT_EQ(results[1]->already_had, 1u);
  EXPECT_EQ(results[1]->log_seq, 4u);
  ASSERT_STORE_OK(results[2]);
  EXPECT_EQ(results[2]->stored, 3u);
  EXPECT_TRUE(results[2]->head_replaced);
  EXPECT_EQ(results[3].status().code(), StatusCode::kFailedPrecondition)
      << results[3].status().ToString();
  EXPECT_EQ(results[4].status().code(), StatusCode::kNotFound)
      << results[4].status().ToString();
  ASSERT_STORE_OK(results[5]);
  EXPECT_EQ(results[5]->stored, 0u);
  EXPECT_TRUE(results[5]->head_replaced);
  EXPECT_EQ(results[6].status().code(), StatusCode::kAlreadyExists)
      << results[6].status().ToString();

  EXPECT_EQ(SeqsOf(PullAll(*store_, kFlightsNew)),
            (std::vector<std::uint64_t>{1, 2, 3}));
  EXPECT_EQ(SeqsOf(PullAll(*store_, kFlightsRetry)),
            (std::vector<std::uint64_t>{1, 2, 3, 4}));
  EXPECT_EQ(SeqsOf(PullAll(*store_, kFlightsFork)),
            (std::vector<std::uint64_t>{1, 2}));
  EXPECT_EQ(PullAll(*store_, kFlightsFork)[1].data,
            ObjectBytes(kFlightsFork, 2));
  EXPECT_TRUE(PullAll(*store_, kFlightsGap).empty());
  const std::vector<std::pair<std::uint64_t, std::string>> heads = {
      {kFlightsNew, "new-3"},
      {kFlightsRetry, "retry-4"},
      {kFlightsFork, "fork-2"},
      {kFlightsHeadOnly, "head-only-again"}};
  for (const auto& [author, bytes] : heads) {
    Result<HeadRow> head = HeadOf(*store_, author);
    ASSERT_STORE_OK(head);
    EXPECT_EQ(head->head, ToBytes(bytes)) << author;
  }
  EXPECT_FALSE(HeadOf(*store_, kFlightsGap).ok());
  // A second time, the same group is all retries: nothing changes.
  results = store_->PushLogs(group);
  ASSERT_STORE_OK(results[1]);
  EXPECT_EQ(results[1]->stored, 0u);
  EXPECT_EQ(results[1]->already_had, 3u);
  ASSERT_STORE_OK(results[2]);
  EXPECT_EQ(results[2]->already_had, 3u);
  EXPECT_EQ(SeqsOf(PullAll(*store_, kFlightsNew)),
            (std::vector<std::uint64_t>{1, 2, 3}));
}

// PostgreSQL alone: a row planted above an author's head (a damaged
// database) fails the INSERT of the group's second flight, which aborts
// the whole transaction; the store then pushes one by one, so only that
// push fails (kDataLoss) and the rest of its group is stored.
class HubPostgresFlightsTest : public HubPostgresDatabaseTest {
 protected:
  void SetUp() override {
    HubPostgresDatabaseTest::SetUp();
    if (HasFatalFailure()) return;
    Result<StoreRef> store = OpenPostgresStore(url_, 4);
    ASSERT_STORE_OK(store);
    store_ = *store;
    ASSERT_STORE_OK(store_->CreateSpace(kSpace, Key32(1)));
  }

  // Runs `sql` on a connection of its own; the test fails unless it
  // succeeded. Returns the first column of the first row, if any.
  std::string FlightsSql(const std::string& sql) {
    PGconn* conn = PQconnectdb(url_.c_str());
    EXPECT_EQ(PQstatus(conn), CONNECTION_OK);
    PGresult* result = PQexec(conn, sql.c_str());
    const ExecStatusType status = PQresultStatus(result);
    EXPECT_TRUE(status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK)
        << sql << ": " << PQresultErrorMessage(result);
    std::string value;
    if (status == PGRES_TUPLES_OK && PQntuples(result) > 0) {
      value = PQgetvalue(result, 0, 0);
    }
    PQclear(result);
    PQfinish(conn);
    return value;
  }

  StoreRef store_;
};

TEST_F(HubPostgresFlightsTest, ARowAboveTheHeadFailsItsPushAloneInAGroup) {
  ASSERT_STORE_OK(store_->PushLog(MakePush(kFlightsFork, 1, 1)));
  const Bytes planted = ObjectBytes(kFlightsFork, 2, 7);
  FlightsSql(
      "INSERT INTO log_objects(space, author, seq, hash, size, data) "
      "VALUES('" +
      std::string(kSpace) + "', " + std::to_string(AuthorColumn(kFlightsFork)) +
      ", 2, '\\x" + HexEncode(LogObjectHash(planted)) + "', " +
      std::to_string(planted.size()) + ", '\\x" + HexEncode(planted) + "')");

  const TestPush before = MakePush(kFlightsNew, 1, 2);
  const TestPush damaged = MakePush(kFlightsFork, 2, 2);
  const TestPush after = MakePush(kFlightsRetry, 1, 1);
  const std::vector<const LogPush*> group = {&after, &damaged, &before};
  std::vector<Result<LogPushResult>> results = store_->PushLogs(group);
  ASSERT_EQ(results.size(), 3u);
  ASSERT_STORE_OK(results[0]);
  EXPECT_EQ(results[0]->stored, 1u);
  EXPECT_EQ(results[1].status().code(), StatusCode::kDataLoss)
      << results[1].status().ToString();
  ASSERT_STORE_OK(results[2]);
  EXPECT_EQ(results[2]->stored, 2u);

  Result<std::vector<HeadRow>> heads = store_->ListHeads(kSpace);
  ASSERT_STORE_OK(heads);
  for (const HeadRow& head : *heads) {
    const std::uint64_t expected = head.author == kFlightsNew ? 2 : 1;
    EXPECT_EQ(head.log_seq, expected) << head.author;
  }
  EXPECT_EQ(heads->size(), 3u);
}

// A push to a space that does not exist leaves no row behind, not even the
// head row a push makes for a new author (the group's others commit).
TEST_F(HubPostgresFlightsTest, APushToAMissingSpaceLeavesNoHeadRow) {
  TestPush elsewhere = MakePush(kFlightsElsewhere, 1, 1);
  elsewhere.space = "no-such-space";
  const TestPush here = MakePush(kFlightsNew, 1, 1);
  const std::vector<const LogPush*> group = {&elsewhere, &here};
  std::vector<Result<LogPushResult>> results = store_->PushLogs(group);
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].status().code(), StatusCode::kNotFound);
  ASSERT_STORE_OK(results[1]);
  EXPECT_EQ(FlightsSql("SELECT count(*) FROM heads WHERE "
                       "space='no-such-space'"),
            "0");
  EXPECT_EQ(FlightsSql("SELECT count(*) FROM heads"), "1");
}

}  // namespace
}  // namespace coven::hub::store::testing
