// A real coven-hub for the hub home's tests: the build's coven-hub program
// (or the one COVEN_TEST_HUB_PROGRAM names) on 127.0.0.1 with a free port,
// plaintext, storing into a scratch folder (or into a PostgreSQL database),
// stopped when the object is destroyed (or at exit for the shared ones).
#ifndef COVEN_TESTS_HUB_HUB_SERVER_H_
#define COVEN_TESTS_HUB_HUB_SERVER_H_

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "coven/status.h"
#include "test_servers.h"
#include "util/child_process.h"

namespace coven::testing {

class HubServer {
 public:
  /// Starts coven-hub and waits until it answers Probe. Errors: the
  /// program's (missing, exited, silent), with the tail of its output.
  /// `flags` go to coven-hub after the harness's own.
  static Result<std::unique_ptr<HubServer>> Start(
      const std::vector<std::string>& flags = {});
  /// As Start, storing into the PostgreSQL database at `database_url`
  /// (postgresql://...) instead of SQLite.
  static Result<std::unique_ptr<HubServer>> StartOnPostgres(
      const std::string& database_url,
      const std::vector<std::string>& flags = {});
  ~HubServer();

  int port() const { return port_; }
  /// The hub's --data-dir (its SQLite store, hub.db, when not on
  /// PostgreSQL).
  const std::string& data_dir() const;
  /// The PostgreSQL database it stores into; empty on SQLite.
  const std::string& database_url() const { return database_url_; }
  /// "hub://127.0.0.1:PORT/SPACE?plaintext=1" plus `params` ("&a=b...").
  std::string Url(std::string_view space, std::string_view params = {}) const;
  util::ChildProcess& process() { return *process_; }

 private:
  HubServer() = default;
  static Result<std::unique_ptr<HubServer>> Launch(
      const std::string& database_url, const std::vector<std::string>& flags);
  std::unique_ptr<TempDir> dir_;
  std::unique_ptr<util::ChildProcess> process_;
  int port_ = 0;
  std::string database_url_;
};

/// A process-wide hub, started on first use; fails the calling test and
/// returns null if it cannot start. Give every test a space of its own
/// (UniqueSpace).
HubServer* SharedHub();

/// A process-wide hub on PostgreSQL 15 (a fresh database on the test
/// process's PostgresServer), started on first use; as SharedHub.
HubServer* SharedPostgresHub();

/// A fresh space name: "t-<tag>-<pid>-<counter>" in lower case.
std::string UniqueSpace(const std::string& tag);

/// Starts the build's coven-hub on the SQLite store in `data_dir`, plaintext
/// on 127.0.0.1:`port` (0: a free one, then ChildProcess::port()); stopped
/// with the calling thread. For tests that kill it and start it again on
/// the same data and port.
Result<std::unique_ptr<util::ChildProcess>> StartHubProcess(
    const std::string& data_dir, int port);

/// One hub store for value-parameterised tests: its name and its shared
/// hub (SharedHub for SQLite, SharedPostgresHub).
struct HubStore {
  std::string name;
  std::function<HubServer*()> hub;
};

inline void PrintTo(const HubStore& store, std::ostream* out) {
  *out << store.name;
}

/// Runs a TestWithParam<HubStore> suite on both stores:
///   INSTANTIATE_TEST_SUITE_P(Stores, MyTest, EveryHubStore(), HubStoreName);
inline auto EveryHubStore() {
  return ::testing::Values(HubStore{"Sqlite", SharedHub},
                           HubStore{"Postgres", SharedPostgresHub});
}
inline std::string HubStoreName(
    const ::testing::TestParamInfo<HubStore>& info) {
  return info.param.name;
}

}  // namespace coven::testing

#endif  // COVEN_TESTS_HUB_HUB_SERVER_H_
