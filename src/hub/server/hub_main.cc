// coven-hub: the sync hub program. Every flag has an environment variable
// (flags win); `coven-hub --help` lists them. docs/hub.md explains running
// it in production.
#include <malloc.h>
#include <signal.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <mutex>

#include "hub/server/hub_server.h"

namespace {

std::mutex log_mutex;

// One logfmt line per event on stderr: ts=... then the event's fields.
void LogLine(const std::string& line) {
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(
                          now.time_since_epoch())
                          .count() %
                      1000;
  char stamp[32];
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
  std::lock_guard<std::mutex> lock(log_mutex);
  std::cerr << "ts=" << stamp << "." << (millis < 100 ? "0" : "")
            << (millis < 10 ? "0" : "") << millis << "Z " << line << std::endl;
}

}  // namespace

int main(int argc, char** argv) {
  // Two malloc arenas instead of glibc's eight per core: the hub's worker
  // and gRPC threads otherwise each keep freed push buffers in arenas of
  // their own, and RSS stays up long after a burst (under the flood bench:
  // VmHWM 324 -> 206 MiB, the same bytes stored; docs/benchmarks.md). An
  // operator's MALLOC_ARENA_MAX wins.
  if (std::getenv("MALLOC_ARENA_MAX") == nullptr) mallopt(M_ARENA_MAX, 2);
  using coven::hub::server::HubServer;
  using coven::hub::server::HubServerOptions;
  CLI::App app{
      "coven-hub: a self-hosted sync hub for coven libraries. It stores only "
      "sealed, signed objects and never sees plaintext or keys. Devices "
      "reach it as hub://HOST:PORT/SPACE.\n\nStore: embedded SQLite in "
      "--data-dir (default), or PostgreSQL when --database-url is set; "
      "several hub processes may share one PostgreSQL."};
  HubServerOptions options;
  std::string data_dir = ".coven-hub";
  std::string database_url;
  std::size_t pg_connections = 8;
  std::int64_t pg_lock_timeout_ms = 10'000;
  std::int64_t pg_statement_timeout_ms = 30'000;
  std::string port_file;
  std::int64_t token_lifetime_s = 1800;
  app.add_option("--data-dir", data_dir,
                 "Directory of the SQLite store (hub.db)")
      ->envname("COVEN_HUB_DATA_DIR")
      ->capture_default_str();
  app.add_option("--database-url", database_url,
                 "postgresql://USER@HOST:PORT/DB: use PostgreSQL instead of "
                 "SQLite")
      ->envname("COVEN_HUB_DATABASE_URL");
  app.add_option("--pg-connections", pg_connections,
                 "PostgreSQL connections in the pool")
      ->envname("COVEN_HUB_PG_CONNECTIONS")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  app.add_option("--pg-lock-timeout-ms", pg_lock_timeout_ms,
                 "A PostgreSQL statement waiting this long for a lock fails "
                 "(the push is retried by its device; 0: no limit)")
      ->envname("COVEN_HUB_PG_LOCK_TIMEOUT_MS")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{3'600'000}))
      ->capture_default_str();
  app.add_option("--pg-statement-timeout-ms", pg_statement_timeout_ms,
                 "A PostgreSQL statement running this long fails (0: no "
                 "limit)")
      ->envname("COVEN_HUB_PG_STATEMENT_TIMEOUT_MS")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{3'600'000}))
      ->capture_default_str();
  app.add_option("--listen", options.listen,
                 "HOST:PORT for gRPC (port 0: any free port)")
      ->envname("COVEN_LISTEN_ADDR")
      ->capture_default_str();
  app.add_option("--tls-cert", options.tls_cert, "PEM certificate chain")
      ->envname("COVEN_HUB_TLS_CERT")
      ->check(CLI::ExistingFile);
  app.add_option("--tls-key", options.tls_key, "PEM private key")
      ->envname("COVEN_HUB_TLS_KEY")
      ->check(CLI::ExistingFile);
  app.add_option("--tls-client-ca", options.tls_client_ca,
                 "PEM CA: require client certificates signed by it (mTLS)")
      ->envname("COVEN_HUB_TLS_CLIENT_CA")
      ->check(CLI::ExistingFile);
  app.add_flag("--plaintext", options.plaintext,
               "Serve without TLS. Only for tests or behind a TLS proxy: "
               "tokens then cross the network in the clear")
      ->envname("COVEN_HUB_PLAINTEXT");
  app.add_option("--metrics-listen", options.metrics_listen,
                 "HOST:PORT for Prometheus /metrics and /healthz (off when "
                 "empty)")
      ->envname("COVEN_HUB_METRICS_ADDR");
  app.add_option("--token-lifetime-secs", token_lifetime_s,
                 "How long a device token lasts")
      ->envname("COVEN_HUB_TOKEN_LIFETIME_SECS")
      ->check(CLI::Range(10, 86400))
      ->capture_default_str();
  app.add_option("--workers", options.worker_threads, "Threads for store work")
      ->envname("COVEN_HUB_WORKERS")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  std::uint64_t recent_logs_mib = options.core.recent_logs.max_bytes >> 20;
  app.add_option("--recent-logs-mib", recent_logs_mib,
                 "Memory for the log objects committed lately, which answer "
                 "the Pulls that follow a push without reading the store "
                 "(0: none)")
      ->envname("COVEN_HUB_RECENT_LOGS_MIB")
      ->check(CLI::Range(0, 65536))
      ->capture_default_str();
  app.add_option("--port-file", port_file,
                 "Write the gRPC port here once serving (for scripts)");
  CLI11_PARSE(app, argc, argv);

  options.core.token_lifetime_ms = token_lifetime_s * 1000;
  options.core.recent_logs.max_bytes = recent_logs_mib << 20;
  options.core.log = LogLine;

  // Signals are taken by sigwait below, not by whichever thread they hit.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  coven::hub::store::PostgresTimeouts timeouts;
  timeouts.lock = std::chrono::milliseconds(pg_lock_timeout_ms);
  timeouts.statement = std::chrono::milliseconds(pg_statement_timeout_ms);
  coven::Result<coven::hub::store::StoreRef> store =
      database_url.empty() ? coven::hub::store::OpenSqliteStore(data_dir)
                           : coven::hub::store::OpenPostgresStore(
                                 database_url, pg_connections, timeouts);
  if (!store.ok()) {
    LogLine("event=fatal what=\"opening the store\" error=\"" +
            store.status().ToString() + "\"");
    return 1;
  }
  auto server = HubServer::Start(*store, options);
  if (!server.ok()) {
    LogLine("event=fatal what=\"starting\" error=\"" +
            server.status().ToString() + "\"");
    return 1;
  }
  if (!port_file.empty()) {
    std::ofstream out(port_file + ".tmp");
    out << (*server)->port() << "\n";
    out.close();
    std::rename((port_file + ".tmp").c_str(), port_file.c_str());
  }
  int signal_number = 0;
  sigwait(&signals, &signal_number);
  LogLine(std::string("event=signal name=") +
          (signal_number == SIGINT ? "SIGINT" : "SIGTERM"));
  (*server)->Shutdown();
  (*server)->Wait();
  server->reset();
  LogLine("event=stopped");
  return 0;
}
