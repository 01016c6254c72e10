// What someone with a copy of (or write access to) a hub's store has, and
// the fixture of the scenarios that read or change a real hub's store
// (SQLite files beside a running hub; PostgreSQL through libpq).
#ifndef COVEN_TESTS_HUB_HUB_STORE_ACCESS_H_
#define COVEN_TESTS_HUB_HUB_STORE_ACCESS_H_

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "hub/hub_server.h"
#include "hub/postgres_server.h"
#include "test_device.h"

namespace coven::testing {

inline constexpr std::int64_t kStoreScenarioStart = 1'700'000'000'000;

/// The bytes of `text` as hex digits, lower or upper case.
inline std::string HexOfText(const std::string& text, bool upper) {
  static const char* const kDigits[] = {"0123456789abcdef", "0123456789ABCDEF"};
  std::string out;
  for (unsigned char c : text) {
    out += kDigits[upper][c >> 4];
    out += kDigits[upper][c & 15];
  }
  return out;
}

// A log object as the store holds it.
struct StoredLogObject {
  std::int64_t author = 0;  // As the store's column holds it.
  std::int64_t seq = 0;
  std::string data;
};

// What someone with a copy of (or write access to) a hub's store has.
class StoreAccess {
 public:
  virtual ~StoreAccess() = default;
  /// Every byte of the store, as a backup of it holds them.
  virtual std::string Dump() = 0;
  /// The newest log object of `space` (or of `seq` when not 0).
  virtual StoredLogObject Read(const std::string& space,
                               std::int64_t seq = 0) = 0;
  /// Replaces the data of `object` in `space`.
  virtual void Write(const std::string& space,
                     const StoredLogObject& object) = 0;
};

// The SQLite store: its files under the hub's --data-dir, and hub.db
// opened beside the hub (WAL: the hub keeps serving).
class SqliteAccess final : public StoreAccess {
 public:
  explicit SqliteAccess(const std::string& dir) : dir_(dir) {
    EXPECT_EQ(sqlite3_open((dir + "/hub.db").c_str(), &db_), SQLITE_OK);
    sqlite3_busy_timeout(db_, 5000);
  }
  ~SqliteAccess() override { sqlite3_close(db_); }

  std::string Dump() override {
    std::string all;
    for (const auto& entry :
         std::filesystem::recursive_directory_iterator(dir_)) {
      if (!entry.is_regular_file()) continue;
      std::ifstream in(entry.path(), std::ios::binary);
      all.append(std::istreambuf_iterator<char>(in), {});
    }
    return all;
  }

  StoredLogObject Read(const std::string& space, std::int64_t seq) override {
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_,
                                 "SELECT author, seq, data FROM log_objects "
                                 "WHERE space = ?1 AND (?2 = 0 OR seq = ?2) "
                                 "ORDER BY seq DESC LIMIT 1",
                                 -1, &stmt, nullptr),
              SQLITE_OK);
    sqlite3_bind_text(stmt, 1, space.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(stmt, 2, seq);
    StoredLogObject out;
    if (sqlite3_step(stmt) == SQLITE_ROW) {
      out.author = sqlite3_column_int64(stmt, 0);
      out.seq = sqlite3_column_int64(stmt, 1);
      const auto* data = static_cast<const char*>(sqlite3_column_blob(stmt, 2));
      out.data.assign(data, data + sqlite3_column_bytes(stmt, 2));
    }
    sqlite3_finalize(stmt);
    EXPECT_FALSE(out.data.empty()) << "no log object in " << space;
    return out;
  }

  void Write(const std::string& space, const StoredLogObject& object) override {
    sqlite3_stmt* stmt = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db_,
                                 "UPDATE log_objects SET data = ?1, size = ?2 "
                                 "WHERE space = ?3 AND author = ?4 AND "
                                 "seq = ?5",
                                 -1, &stmt, nullptr),
              SQLITE_OK);
    sqlite3_bind_blob(stmt, 1, object.data.data(),
                      static_cast<int>(object.data.size()), SQLITE_TRANSIENT);
    sqlite3_bind_int64(stmt, 2, static_cast<std::int64_t>(object.data.size()));
    sqlite3_bind_text(stmt, 3, space.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(stmt, 4, object.author);
    sqlite3_bind_int64(stmt, 5, object.seq);
    EXPECT_EQ(sqlite3_step(stmt), SQLITE_DONE) << sqlite3_errmsg(db_);
    EXPECT_EQ(sqlite3_changes(db_), 1);
    sqlite3_finalize(stmt);
  }

 private:
  std::string dir_;
  sqlite3* db_ = nullptr;
};

// The PostgreSQL store: pg_dump of its database, and SQL through libpq
// (bytea as hex text, to stay in the text protocol).
class PostgresAccess final : public StoreAccess {
 public:
  explicit PostgresAccess(const std::string& url)
      : url_(url), conn_(PQconnectdb(url.c_str())) {
    EXPECT_EQ(PQstatus(conn_), CONNECTION_OK) << PQerrorMessage(conn_);
  }
  ~PostgresAccess() override { PQfinish(conn_); }

  std::string Dump() override {
    const char* bin = std::getenv("COVEN_TEST_PG_BIN");
    const std::string command =
        std::string(bin && *bin ? bin : "/usr/lib/postgresql/15/bin") +
        "/pg_dump '" + url_ + "'";
    std::string all;
    FILE* pipe = ::popen(command.c_str(), "r");
    EXPECT_NE(pipe, nullptr) << command;
    if (pipe == nullptr) return all;
    char buffer[1 << 16];
    std::size_t n = 0;
    while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) {
      all.append(buffer, n);
    }
    EXPECT_EQ(::pclose(pipe), 0) << command;
    return all;
  }

  StoredLogObject Read(const std::string& space, std::int64_t seq) override {
    const std::string seq_text = std::to_string(seq);
    const char* params[] = {space.c_str(), seq_text.c_str()};
    PGresult* result = PQexecParams(
        conn_,
        "SELECT author::text, seq::text, encode(data, 'hex') FROM "
        "log_objects WHERE space = $1 AND ($2::bigint = 0 OR seq = "
        "$2::bigint) ORDER BY seq DESC LIMIT 1",
        2, nullptr, params, nullptr, nullptr, 0);
    StoredLogObject out;
    if (PQresultStatus(result) == PGRES_TUPLES_OK && PQntuples(result) == 1) {
      out.author = std::stoll(PQgetvalue(result, 0, 0));
      out.seq = std::stoll(PQgetvalue(result, 0, 1));
      const std::string hex = PQgetvalue(result, 0, 2);
      for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
        out.data += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
      }
    }
    EXPECT_FALSE(out.data.empty())
        << "no log object in " << space << ": " << PQerrorMessage(conn_);
    PQclear(result);
    return out;
  }

  void Write(const std::string& space, const StoredLogObject& object) override {
    const std::string hex = HexOfText(object.data, false);
    const std::string size = std::to_string(object.data.size());
    const std::string author = std::to_string(object.author);
    const std::string seq = std::to_string(object.seq);
    const char* params[] = {hex.c_str(), size.c_str(), space.c_str(),
                            author.c_str(), seq.c_str()};
    PGresult* result = PQexecParams(
        conn_,
        "UPDATE log_objects SET data = decode($1, 'hex'), size = $2::bigint "
        "WHERE space = $3 AND author = $4::bigint AND seq = $5::bigint",
        5, nullptr, params, nullptr, nullptr, 0);
    EXPECT_EQ(PQresultStatus(result), PGRES_COMMAND_OK)
        << PQerrorMessage(conn_);
    EXPECT_STREQ(PQcmdTuples(result), "1");
    PQclear(result);
  }

 private:
  std::string url_;
  PGconn* conn_;
};

class HubStoreDumpTest : public ::testing::TestWithParam<HubStore> {
 protected:
  void SetUp() override {
    hub_ = GetParam().hub();
    ASSERT_NE(hub_, nullptr);
    space_ = UniqueSpace("dump");
    library_ = MakeLibrary(79);
    clock_ = std::make_shared<ManualClock>(kStoreScenarioStart);
    if (hub_->database_url().empty()) {
      store_ = std::make_unique<SqliteAccess>(hub_->data_dir());
    } else {
      store_ = std::make_unique<PostgresAccess>(hub_->database_url());
    }
  }

  std::unique_ptr<TestDevice> Device(const TestLibrary& library,
                                     const std::string& space,
                                     std::uint64_t seed, bool first) {
    TestDevice::Options options;
    options.home_url = hub_->Url(space, "&timeout_ms=5000");
    options.create_home = first;
    auto device = TestDevice::Create(library, nullptr, seed, clock_, options);
    EXPECT_NE(device, nullptr);
    return device;
  }

  // Moves the test to a hub of its own that reads every log object from
  // its store (--recent-logs-mib 0): a running hub answers the Pulls that
  // follow a push with the bytes it committed, so bytes changed in its
  // store reach devices only once read from there.
  void UseAHubThatReadsItsStore() {
    const std::vector<std::string> flags = {"--recent-logs-mib", "0"};
    Result<std::unique_ptr<HubServer>> started = InternalError("not run");
    if (hub_->database_url().empty()) {
      started = HubServer::Start(flags);
    } else {
      Result<hub::testing::PostgresServer*> postgres =
          hub::testing::PostgresServer::Shared();
      ASSERT_TRUE(postgres.ok()) << postgres.status().ToString();
      Result<std::string> url = (*postgres)->CreateDatabase();
      ASSERT_TRUE(url.ok()) << url.status().ToString();
      started = HubServer::StartOnPostgres(*url, flags);
    }
    ASSERT_TRUE(started.ok()) << started.status().ToString();
    own_hub_ = *std::move(started);
    hub_ = own_hub_.get();
    if (hub_->database_url().empty()) {
      store_ = std::make_unique<SqliteAccess>(hub_->data_dir());
    } else {
      store_ = std::make_unique<PostgresAccess>(hub_->database_url());
    }
  }

  HubServer* hub_ = nullptr;
  std::unique_ptr<HubServer> own_hub_;
  std::string space_;
  TestLibrary library_;
  std::shared_ptr<ManualClock> clock_;
  std::unique_ptr<StoreAccess> store_;
};

}  // namespace coven::testing

#endif  // COVEN_TESTS_HUB_HUB_STORE_ACCESS_H_
