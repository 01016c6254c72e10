// Flushes of any size through the coven program, and the memory one large
// flush takes (docs/capture.md, "Flushes of any size"): a first sync over
// 200k existing rows with a 1 MiB object limit, a first flush that fails and
// is retried by the next round, and a 1M-row transaction (one statement,
// or one statement per row) flushed in a process whose peak resident set
// stays under 64 MiB.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <random>
#include <sstream>

#include "cli_harness.h"

namespace coven::testing {
namespace {

// AddressSanitizer's shadow memory and quarantine inflate every figure:
// the memory tests measure release builds only.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
#else
constexpr bool kSanitized = false;
#endif

constexpr const char* kItems =
    "CREATE TABLE items (id TEXT PRIMARY KEY, title TEXT NOT NULL, n INTEGER "
    "NOT NULL, _updated_at TEXT NOT NULL);";

void ExecSql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  EXPECT_EQ(rc, SQLITE_OK) << (err ? err : "") << " in " << sql.substr(0, 200);
  sqlite3_free(err);
  sqlite3_close(db);
}

// An app database whose `rows` items exist before coven does: their
// `_updated_at` is whatever the app wrote, not a stamp of any device.
void MakeAppDb(const std::string& path, int rows) {
  ExecSql(path,
          std::string(kItems) +
              "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c "
              "WHERE i < " +
              std::to_string(rows) +
              ") INSERT INTO items SELECT printf('item-%07d', i), 'existing "
              "item ' || i, i, '2024-01-01 00:00:00' FROM c;");
}

// Row count and a digest of every (id, title, n).
std::pair<long, std::uint64_t> Digest(const std::string& path) {
  sqlite3* db = nullptr;
  std::pair<long, std::uint64_t> out{0, 1469598103934665603ull};
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) return out;
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(db, "SELECT id, title, n FROM items ORDER BY id", -1,
                     &stmt, nullptr);
  while (stmt != nullptr && sqlite3_step(stmt) == SQLITE_ROW) {
    ++out.first;
    for (int c = 0; c < 3; ++c) {
      const auto* text = sqlite3_column_text(stmt, c);
      for (const unsigned char* p = text; p && *p; ++p) {
        out.second = (out.second ^ *p) * 1099511628211ull;
      }
      out.second = (out.second ^ 0x1f) * 1099511628211ull;
    }
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return out;
}

class LargeFlushTest : public CliTest {
 protected:
  /// Runs coven with `env` (assignments) in front.
  CommandResult CovenWith(const std::string& env, const std::string& args) {
    CommandResult result = RunCommand(env + " " + CovenBin() + " " + args);
    if (getenv("E2E_DEBUG")) std::cerr << args << ": " << result.output;
    return result;
  }
  std::string Db(const std::string& who) { return tmp_ / (who + ".db"); }

  /// `who` joins the library of "owner" as a Writer, with its own empty
  /// copy of the items table.
  void Join(const std::string& who, const std::string& env = "") {
    ExecSql(Db(who), kItems);
    CommandResult id = Coven("identity --dir " + Dir(who));
    ASSERT_EQ(id.exit_code, 0) << id.output;
    CommandResult invite = Coven("invite " + FirstLine(id.output) +
                                 " --role writer --dir " + Dir("owner"));
    ASSERT_EQ(invite.exit_code, 0) << invite.output;
    CommandResult joined =
        CovenWith(env, "join " + FirstLine(invite.output) + " --dir " +
                           Dir(who) + " --db " + Db(who));
    ASSERT_EQ(joined.exit_code, 0) << joined.output;
  }

  /// Sizes of the log objects in the home.
  std::vector<std::uintmax_t> LogObjectSizes() {
    std::vector<std::uintmax_t> sizes;
    std::error_code ec;
    for (const auto& entry :
         std::filesystem::recursive_directory_iterator(Home() + "/log", ec)) {
      if (entry.is_regular_file()) sizes.push_back(entry.file_size());
    }
    return sizes;
  }
};

TEST_F(LargeFlushTest, FirstSyncOf200kRowsWithAOneMiBObjectLimit) {
  const std::string limit = "COVEN_MAX_OBJECT_BYTES=1048576";
  MakeAppDb(Db("owner"), 200000);
  CommandResult init = CovenWith(
      limit, "init --dir " + Dir("owner") + " --home " + Home() + " --db " +
                 Db("owner") + " --tables items --name owner");
  EXPECT_EQ(init.exit_code, 0) << init.output;
  EXPECT_NE(init.output.find("captured 200000 row(s)"), std::string::npos)
      << init.output;
  CommandResult again = CovenWith(limit, "sync --dir " + Dir("owner"));
  EXPECT_EQ(again.exit_code, 0) << again.output;

  // The flush was split into objects below the limit.
  const std::vector<std::uintmax_t> sizes = LogObjectSizes();
  EXPECT_GT(sizes.size(), 1u);
  for (std::uintmax_t size : sizes) EXPECT_LE(size, 1048576u);

  Join("laptop", limit);
  CommandResult synced = CovenWith(limit, "sync --dir " + Dir("laptop"));
  EXPECT_EQ(synced.exit_code, 0) << synced.output;
  const auto owner = Digest(Db("owner"));
  EXPECT_EQ(owner.first, 200000);
  EXPECT_EQ(Digest(Db("laptop")), owner);
}

TEST_F(LargeFlushTest, AFailedFirstFlushIsRetriedByTheNextRound) {
  MakeAppDb(Db("owner"), 1000);
  // One row that cannot fit in a 4 KiB object: 16 KiB of random hex.
  std::mt19937_64 random(7);
  std::ostringstream big;
  for (int i = 0; i < 1024; ++i) big << std::hex << (random() | (1ull << 60));
  ExecSql(Db("owner"), "INSERT INTO items VALUES('big', '" + big.str() +
                           "', 0, '2024-01-01 00:00:00')");
  CommandResult init =
      CovenWith("COVEN_MAX_OBJECT_BYTES=4096",
                "init --dir " + Dir("owner") + " --home " + Home() + " --db " +
                    Db("owner") + " --tables items --name owner");
  EXPECT_NE(init.exit_code, 0) << init.output;
  EXPECT_NE(init.output.find("max_object_bytes"), std::string::npos)
      << init.output;

  // With the limit back at its default, the next round ships every row.
  CommandResult sync = Coven("sync --dir " + Dir("owner"));
  EXPECT_EQ(sync.exit_code, 0) << sync.output;
  EXPECT_NE(sync.output.find("captured 1001 row(s)"), std::string::npos)
      << sync.output;
  Join("laptop");
  const auto owner = Digest(Db("owner"));
  EXPECT_EQ(owner.first, 1001);
  EXPECT_EQ(Digest(Db("laptop")), owner);
}

// Runs tests/tools/flush_memory.cc; returns its figures.
std::map<std::string, long> MeasureFlush(const std::string& dir, long rows,
                                         const std::string& mode) {
  const std::string helper =
      std::string(COVEN_BINARY_DIR) + "/tests/coven_flush_memory";
  CommandResult run =
      RunCommand(helper + " " + dir + " " + std::to_string(rows) + " " + mode);
  EXPECT_EQ(run.exit_code, 0) << run.output;
  std::map<std::string, long> figures;
  std::istringstream words(run.output);
  for (std::string word; words >> word;) {
    const auto eq = word.find('=');
    if (eq != std::string::npos) {
      figures[word.substr(0, eq)] = std::atol(word.c_str() + eq + 1);
    }
  }
  std::cout << "[ memory   ] " << mode << " of " << rows
            << " rows: " << run.output;
  return figures;
}

TEST_F(LargeFlushTest, AMillionRowTransactionFlushesUnder64MiB) {
  if (kSanitized) GTEST_SKIP() << "memory is measured in release builds";
  auto figures = MeasureFlush(tmp_ / "txn", 1000000, "txn");
  EXPECT_EQ(figures["rows"], 1000000);
  EXPECT_GT(figures["objects"], 1);
  EXPECT_LE(figures["largest"], 64l << 20);
  EXPECT_GT(figures["max_rss_kb"], 0);
  EXPECT_LT(figures["max_rss_kb"], 64l << 10) << "peak RSS in KiB";
}

// The session's bound is checked every few VM instructions, so also a
// transaction of short statements, each prepared afresh, stays bounded.
TEST_F(LargeFlushTest, AMillionSingleRowStatementsFlushUnder64MiB) {
  if (kSanitized) GTEST_SKIP() << "memory is measured in release builds";
  auto figures = MeasureFlush(tmp_ / "statements", 1000000, "statements");
  EXPECT_EQ(figures["rows"], 1000000);
  EXPECT_GT(figures["max_rss_kb"], 0);
  EXPECT_LT(figures["max_rss_kb"], 64l << 10) << "peak RSS in KiB";
}

TEST_F(LargeFlushTest, AFirstSyncOverAMillionRowsStaysUnder64MiB) {
  if (kSanitized) GTEST_SKIP() << "memory is measured in release builds";
  auto figures = MeasureFlush(tmp_ / "backfill", 1000000, "backfill");
  EXPECT_EQ(figures["rows"], 1000000);
  EXPECT_GT(figures["objects"], 1);
  EXPECT_GT(figures["max_rss_kb"], 0);
  EXPECT_LT(figures["max_rss_kb"], 64l << 10) << "peak RSS in KiB";
}

}  // namespace
}  // namespace coven::testing
