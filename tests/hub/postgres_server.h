// A real PostgreSQL 15 for the tests: initdb into a fresh temporary
// directory (trust authentication, 127.0.0.1 only, a free port, fsync on),
// `postgres` started as a child process and stopped when the test process
// ends. Run as root (CI, this machine), initdb and postgres run as the
// `postgres` system user, which Debian's postgresql-15 package creates.
//
// One server per test process (Shared), each test its own database
// (CreateDatabase). Kill and Restart let crash tests take the server away
// and bring it back on the same data directory and port.
#ifndef COVEN_TESTS_HUB_POSTGRES_SERVER_H_
#define COVEN_TESTS_HUB_POSTGRES_SERVER_H_

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "coven/status.h"
#include "util/child_process.h"

namespace coven::hub::testing {

class PostgresServer {
 public:
  /// The test process's server, started on first use and stopped at exit.
  /// kFailedPrecondition (saying to run scripts/install-deps.sh) when the
  /// PostgreSQL 15 binaries are missing.
  static Result<PostgresServer*> Shared();
  /// A server of the caller's own.
  static Result<std::unique_ptr<PostgresServer>> Start();
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  int port() const { return port_; }
  /// Creates database t_<n> (a fresh one per call) and returns its URL.
  Result<std::string> CreateDatabase();
  /// postgresql://postgres@127.0.0.1:<port>/<database>.
  std::string Url(const std::string& database) const;

  /// kill -9 the server (the postmaster; its backends follow) and reap it.
  void Kill();
  /// Starts the server again on the same data directory and port and waits
  /// until it accepts connections.
  Status Restart();
  /// The server's recent output (for failure messages).
  std::string Log();

 private:
  PostgresServer() = default;
  Status Launch();
  Status WaitReady();
  void Stop();

  std::string dir_;  // The temporary directory; data/ inside it.
  int port_ = 0;
  bool as_postgres_user_ = false;
  std::mutex mutex_;
  std::unique_ptr<util::ChildProcess> process_;  // Guarded by mutex_.
  std::atomic<int> databases_{0};
};

}  // namespace coven::hub::testing

#endif  // COVEN_TESTS_HUB_POSTGRES_SERVER_H_
