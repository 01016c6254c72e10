// A coven-hub of a test's own with Prometheus /metrics on, on SQLite or a
// fresh PostgreSQL database, and what it answered: the calls it handled by
// gRPC method (grpc_server_handled_total) and what its store holds for a
// space. For the idle scenario (hub_scenarios_idle_test.cc).
#ifndef COVEN_TESTS_HUB_IDLE_HUB_H_
#define COVEN_TESTS_HUB_IDLE_HUB_H_

#include <arpa/inet.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "hub/hub_server.h"
#include "hub/postgres_server.h"
#include "test_servers.h"

namespace coven::testing {

// A port nobody listens on now (for the hub's /metrics, which does not
// print the port it bound).
inline int IdleFreePort() {
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
inline std::string IdleHttpGet(int port, const std::string& path) {
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
inline IdleCalls IdleParseCalls(const std::string& page) {
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
inline IdleCalls IdleCallsBetween(const IdleCalls& before,
                                  const IdleCalls& after) {
  IdleCalls made;
  for (const auto& [method, count] : after) {
    auto was = before.find(method);
    const std::uint64_t delta = count - (was == before.end() ? 0 : was->second);
    if (delta != 0) made[method] = delta;
  }
  return made;
}

inline std::uint64_t IdleTotal(const IdleCalls& calls) {
  std::uint64_t total = 0;
  for (const auto& [method, count] : calls) total += count;
  return total;
}

inline std::string IdleDescribe(const IdleCalls& calls) {
  std::string out;
  for (const auto& [method, count] : calls) {
    out += (out.empty() ? "" : " ") + method + "=" + std::to_string(count);
  }
  return out.empty() ? "(none)" : out;
}

// What the hub's store holds for one space: rows and bytes of each table,
// as one line ("log_objects=3/1234 ...") to compare.
inline constexpr const char* kIdleFootprintSql[] = {
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

}  // namespace coven::testing

#endif  // COVEN_TESTS_HUB_IDLE_HUB_H_
