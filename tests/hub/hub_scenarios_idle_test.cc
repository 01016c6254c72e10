// claw-sync's acceptance scenario 20 (research/claw-sync.md §7) through a
// real coven-hub, on its SQLite store and on PostgreSQL:
//
//   20  24 h idle: bounded growth, cheap verification
//
// Each test starts a coven-hub of its own with Prometheus /metrics on, so
// that every gRPC call the devices make is counted by the hub itself
// (grpc_server_handled_total, by method), and reads the hub's store beside
// it to see whether it grew.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "hub/hub_server.h"
#include "hub/postgres_server.h"
#include "test_device.h"
#include "test_servers.h"

namespace coven::testing {
namespace {

constexpr std::int64_t kIdleStart = 1'700'000'000'000;
constexpr std::int64_t kIdleMinute = 60'000;
constexpr std::int64_t kIdleDay = 24 * 60 * kIdleMinute;
// A round every five minutes of the devices' clock.
constexpr std::int64_t kIdleRoundEvery = 5 * kIdleMinute;
// How often a device audits its own log (Config::audit_interval_ms, set
// here to the library's default).
constexpr std::int64_t kIdleAuditEvery = 60 * kIdleMinute;

// A port nobody listens on now (for the hub's /metrics, which does not
// print the port it bound).
int IdleFreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof addr;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

// GET http://127.0.0.1:`port``path`: the body, or empty if nothing answers.
std::string IdleHttpGet(int port, const std::string& path) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return "";
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  std::string response;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    const std::string request =
        "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
        static_cast<ssize_t>(request.size())) {
      char buffer[1 << 14];
      ssize_t n = 0;
      while ((n = ::recv(fd, buffer, sizeof buffer, 0)) > 0) {
        response.append(buffer, static_cast<std::size_t>(n));
      }
    }
  }
  ::close(fd);
  const std::size_t body = response.find("\r\n\r\n");
  return body == std::string::npos ? "" : response.substr(body + 4);
}

// Calls a hub has answered, by gRPC method (every status code).
using IdleCalls = std::map<std::string, std::uint64_t>;

// Parses grpc_server_handled_total from a /metrics page.
IdleCalls IdleParseCalls(const std::string& page) {
  IdleCalls calls;
  std::istringstream lines(page);
  std::string line;
  const std::string name = "grpc_server_handled_total{";
  const std::string label = "grpc_method=\"";
  while (std::getline(lines, line)) {
    if (line.rfind(name, 0) != 0) continue;
    const std::size_t at = line.find(label);
    const std::size_t value = line.rfind(' ');
    if (at == std::string::npos || value == std::string::npos) continue;
    const std::size_t from = at + label.size();
    const std::string method = line.substr(from, line.find('"', from) - from);
    calls[method] += static_cast<std::uint64_t>(
        std::strtod(line.c_str() + value + 1, nullptr));
  }
  return calls;
}

// `after` minus `before`, without the methods that were not called.
IdleCalls IdleCallsBetween(const IdleCalls& before, const IdleCalls& after) {
  IdleCalls made;
  for (const auto& [method, count] : after) {
    auto was = before.find(method);
    const std::uint64_t delta = count - (was == before.end() ? 0 : was->second);
    if (delta != 0) made[method] = delta;
  }
  return made;
}

std::uint64_t IdleTotal(const IdleCalls& calls) {
  std::uint64_t total = 0;
  for (const auto& [method, count] : calls) total += count;
  return total;
}

std::string IdleDescribe(const IdleCalls& calls) {
  std::string out;
  for (const auto& [method, count] : calls) {
    out += (out.empty() ? "" : " ") + method + "=" + std::to_string(count);
  }
  return out.empty() ? "(none)" : out;
}

// What the hub's store holds for one space: rows and bytes of each table,
// as one line ("log_objects=3/1234 ...") to compare.
constexpr const char* kIdleFootprintSql[] = {
    "SELECT 'log_objects', count(*), coalesce(sum(size), 0), "
    "coalesce(max(seq), 0) FROM log_objects WHERE space = $1",
    "SELECT 'heads', count(*), coalesce(sum(length(head)), 0), "
    "coalesce(sum(log_seq), 0) FROM heads WHERE space = $1",
    "SELECT 'members', count(*), coalesce(sum(length(data)), 0), "
    "coalesce(max(slot), 0) FROM members WHERE space = $1",
    "SELECT 'objects', count(*), coalesce(sum(length(data)), 0), 0 "
    "FROM objects WHERE space = $1",
    "SELECT 'challenges', count(*), 0, 0 FROM challenges WHERE space = $1",
    "SELECT 'spaces', count(*), coalesce(sum(length(marker)), 0), 0 "
    "FROM spaces WHERE name = $1",
};

// A coven-hub of the test's own, with /metrics, on SQLite (a scratch data
// folder) or on a fresh PostgreSQL database.
class IdleHub {
 public:
  // Starts it; check ok() after (failures are reported to the test).
  void Start(bool postgres) {
    metrics_port_ = IdleFreePort();
    ASSERT_NE(metrics_port_, 0);
    const std::vector<std::string> flags = {
        "--metrics-listen", "127.0.0.1:" + std::to_string(metrics_port_)};
    Result<std::unique_ptr<HubServer>> started = InternalError("not run");
    if (postgres) {
      auto server = hub::testing::PostgresServer::Shared();
      ASSERT_TRUE(server.ok()) << server.status().ToString();
      auto database = (*server)->CreateDatabase();
      ASSERT_TRUE(database.ok()) << database.status().ToString();
      started = HubServer::StartOnPostgres(*database, flags);
    } else {
      started = HubServer::Start(flags);
    }
    ASSERT_TRUE(started.ok()) << started.status().ToString();
    hub_ = *std::move(started);
    ASSERT_NE(IdleHttpGet(metrics_port_, "/metrics"), "")
        << "no /metrics on port " << metrics_port_ << "\n"
        << hub_->process().output_tail();
    if (postgres) {
      pg_ = PQconnectdb(hub_->database_url().c_str());
      ASSERT_EQ(PQstatus(pg_), CONNECTION_OK) << PQerrorMessage(pg_);
    } else {
      // Beside the hub (WAL: it keeps serving); this connection only reads.
      ASSERT_EQ(sqlite3_open((hub_->data_dir() + "/hub.db").c_str(), &sqlite_),
                SQLITE_OK);
      sqlite3_busy_timeout(sqlite_, 5000);
    }
    ok_ = true;
  }
  ~IdleHub() {
    if (pg_ != nullptr) PQfinish(pg_);
    if (sqlite_ != nullptr) sqlite3_close(sqlite_);
  }

  bool ok() const { return ok_; }
  std::string Url(const std::string& space) const {
    return hub_->Url(space, "&timeout_ms=5000");
  }

  // Every call the hub has answered so far, by method.
  IdleCalls Calls() {
    return IdleParseCalls(IdleHttpGet(metrics_port_, "/metrics"));
  }

  // What the store holds for `space`, one "table=rows/bytes/last" per table.
  std::string Footprint(const std::string& space) {
    std::string out;
    for (const char* sql : kIdleFootprintSql) {
      out += (out.empty() ? "" : " ") +
             (pg_ ? Postgres(sql, space) : Sqlite(sql, space));
    }
    return out;
  }

  // Bytes of every file in the SQLite store's data folder (0 on
  // PostgreSQL).
  std::uintmax_t FolderBytes() {
    if (pg_ != nullptr) return 0;
    std::uintmax_t bytes = 0;
    for (const auto& entry :
         std::filesystem::recursive_directory_iterator(hub_->data_dir())) {
      if (entry.is_regular_file()) bytes += entry.file_size();
    }
    return bytes;
  }

 private:
  std::string Sqlite(std::string sql, const std::string& space) {
    sql.replace(sql.find("$1"), 2, "?1");
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(sqlite_, sql.c_str(), -1, &stmt, nullptr),
              SQLITE_OK)
        << sqlite3_errmsg(sqlite_);
    sqlite3_bind_text(stmt, 1, space.c_str(), -1, SQLITE_TRANSIENT);
    std::string out = "?";
    if (sqlite3_step(stmt) == SQLITE_ROW) {
      out = std::string(
                reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0))) +
            "=" + std::to_string(sqlite3_column_int64(stmt, 1)) + "/" +
            std::to_string(sqlite3_column_int64(stmt, 2)) + "/" +
            std::to_string(sqlite3_column_int64(stmt, 3));
    }
    sqlite3_finalize(stmt);
    return out;
  }

  std::string Postgres(const std::string& sql, const std::string& space) {
    const char* params[] = {space.c_str()};
    PGresult* result =
        PQexecParams(pg_, sql.c_str(), 1, nullptr, params, nullptr, nullptr, 0);
    std::string out = "?";
    if (PQresultStatus(result) == PGRES_TUPLES_OK && PQntuples(result) == 1) {
      out = std::string(PQgetvalue(result, 0, 0)) + "=" +
            PQgetvalue(result, 0, 1) + "/" + PQgetvalue(result, 0, 2) + "/" +
            PQgetvalue(result, 0, 3);
    }
    EXPECT_NE(out, "?") << sql << ": " << PQerrorMessage(pg_);
    PQclear(result);
    return out;
  }

  std::unique_ptr<HubServer> hub_;
  int metrics_port_ = 0;
  PGconn* pg_ = nullptr;
  sqlite3* sqlite_ = nullptr;
  bool ok_ = false;
};

// The size of a device's database: its pages and the rows of every table
// (coven's own included), as one line to compare.
std::string IdleLocalFootprint(TestDevice& device) {
  std::lock_guard<std::recursive_mutex> lock(device.sync_db().write_mutex());
  sqlite3* db = device.db();
  auto one = [db](const std::string& sql) -> std::int64_t {
    sqlite3_stmt* stmt = nullptr;
    std::int64_t value = -1;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
      value = sqlite3_column_int64(stmt, 0);
    }
    sqlite3_finalize(stmt);
    return value;
  };
  std::vector<std::string> tables;
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(db,
                     "SELECT name FROM sqlite_master WHERE type = 'table' "
                     "ORDER BY name",
                     -1, &stmt, nullptr);
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    tables.emplace_back(
        reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)));
  }
  sqlite3_finalize(stmt);
  std::string out = "pages=" + std::to_string(one("PRAGMA page_count"));
  for (const std::string& table : tables) {
    out += " " + table + "=" +
           std::to_string(one("SELECT count(*) FROM \"" + table + "\""));
  }
  return out;
}

struct IdleStore {
  std::string name;
  bool postgres = false;
};

void PrintTo(const IdleStore& store, std::ostream* out) { *out << store.name; }

class HubScenarioIdleTest : public ::testing::TestWithParam<IdleStore> {
 protected:
  void SetUp() override {
    hub_ = std::make_unique<IdleHub>();
    hub_->Start(GetParam().postgres);
    ASSERT_TRUE(hub_->ok());
    space_ = UniqueSpace("idle");
    library_ = MakeLibrary(89);
    clock_ = std::make_shared<ManualClock>(kIdleStart);
  }

  std::unique_ptr<TestDevice> Device(std::uint64_t seed, bool first) {
    TestDevice::Options options;
    options.home_url = hub_->Url(space_);
    options.create_home = first;
    options.audit_interval_ms = kIdleAuditEvery;
    auto device = TestDevice::Create(library_, nullptr, seed, clock_, options);
    EXPECT_NE(device, nullptr);
    return device;
  }

  std::unique_ptr<IdleHub> hub_;
  std::string space_;
  TestLibrary library_;
  std::shared_ptr<ManualClock> clock_;
};

// Scenario 20: two devices synced, then 24 hours of the devices' clock
// with a round on each every five minutes and nothing written. No idle
// round flushes, pushes, pulls or applies anything, and none makes a Push
// or a Pull call (Pull is how the hub serves log objects to a device's
// pull: no other device's log object is read). A plain idle round costs at
// most three hub calls (ListHeads, and the member log's listing and last
// slot, compared by hash). Once an hour each device audits its own log
// (docs/format/home-repair.md §2, §5): a listing of it, its head, a
// read-back of its newest objects (here its one object) and a listing of
// the current key's wraps, a few calls more.
// Neither the hub's store (its rows and bytes for the space; on SQLite its
// files too) nor the devices' databases grow.
TEST_P(HubScenarioIdleTest, ADayIdleNeitherGrowsNorReadsLogs) {
  auto a = Device(1, /*first=*/true);
  ASSERT_NE(a, nullptr);
  a->Exec("INSERT INTO todos VALUES('a1', 'from a', 0, coven_hlc())");
  a->Exec("INSERT INTO todo_notes VALUES('n1', 'a1', 'a note', coven_hlc())");
  a->Sync();
  auto b = Device(2, /*first=*/false);
  ASSERT_NE(b, nullptr);
  b->Exec("INSERT INTO todos VALUES('b1', 'from b', 0, coven_hlc())");
  b->Sync();
  a->Sync();
  // One more round each: whatever a first round leaves to the next is done.
  clock_->Advance(kIdleRoundEvery);
  a->Sync();
  b->Sync();
  const std::vector<std::string> rows = {"a1|from a|0", "b1|from b|0"};
  ASSERT_EQ(a->Dump("todos", false), rows);
  ASSERT_EQ(b->Dump("todos", false), rows);

  const std::string store_before = hub_->Footprint(space_);
  const std::uintmax_t folder_before = hub_->FolderBytes();
  const std::vector<TestDevice*> devices = {a.get(), b.get()};
  std::vector<std::string> local_before;
  for (TestDevice* device : devices) {
    local_before.push_back(IdleLocalFootprint(*device));
  }

  IdleCalls calls = hub_->Calls();
  std::map<std::string, int> rounds_by_calls;  // For the log.
  std::vector<int> audits(devices.size(), 0);
  int rounds = 0;
  for (std::int64_t t = 0; t < kIdleDay; t += kIdleRoundEvery) {
    clock_->Advance(kIdleRoundEvery);
    for (std::size_t i = 0; i < devices.size(); ++i) {
      const auto report = devices[i]->Sync();
      const IdleCalls now = hub_->Calls();
      const IdleCalls made = IdleCallsBetween(calls, now);
      calls = now;
      ++rounds;
      ++rounds_by_calls[IdleDescribe(made)];
      const std::string where =
          "round " + std::to_string(rounds) + ": " + IdleDescribe(made);
      EXPECT_EQ(report.flushed_rows, 0u) << where;
      EXPECT_EQ(report.pushed_objects, 0u) << where;
      EXPECT_EQ(report.pulled_objects, 0u) << where;
      EXPECT_EQ(report.applied_rows, 0u) << where;
      EXPECT_EQ(report.quarantined, 0u) << where;
      EXPECT_TRUE(report.problems.empty())
          << where << " " << report.problems[0];
      EXPECT_EQ(made.count("Push"), 0u) << where;
      EXPECT_EQ(made.count("Pull"), 0u) << where;
      EXPECT_EQ(made.count("RegisterDevice"), 0u) << where;
      const auto listings = made.find("ListObjects");
      if (listings != made.end() && listings->second > 1) {
        // The audit: its own log listed, its head and its one object read,
        // the current key's wraps listed.
        ++audits[i];
        EXPECT_LE(IdleTotal(made), 3u + 4u) << where;
      } else {
        EXPECT_LE(IdleTotal(made), 3u) << where;
      }
    }
    if (HasFailure()) break;
  }
  for (const auto& [made, count] : rounds_by_calls) {
    std::cout << "[ idle ] " << GetParam().name << " " << count
              << " rounds called " << made << "\n";
  }
  EXPECT_EQ(rounds, 2 * kIdleDay / kIdleRoundEvery);
  for (std::size_t i = 0; i < devices.size(); ++i) {
    EXPECT_EQ(audits[i], kIdleDay / kIdleAuditEvery) << "device " << i;
    EXPECT_EQ(IdleLocalFootprint(*devices[i]), local_before[i])
        << "device " << i;
  }
  EXPECT_EQ(hub_->Footprint(space_), store_before);
  if (!GetParam().postgres) {
    EXPECT_EQ(hub_->FolderBytes(), folder_before);
  }
  EXPECT_EQ(a->Dump("todos"), b->Dump("todos"));
}

INSTANTIATE_TEST_SUITE_P(Stores, HubScenarioIdleTest,
                         ::testing::Values(IdleStore{"Sqlite", false},
                                           IdleStore{"Postgres", true}),
                         [](const ::testing::TestParamInfo<IdleStore>& info) {
                           return info.param.name;
                         });

}  // namespace
}  // namespace coven::testing
