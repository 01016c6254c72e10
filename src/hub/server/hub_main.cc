// coven-hub: the sync hub program. Every flag has an environment variable
// (flags win); `coven-hub --help` lists them. docs/hub.md explains running
// it in production.
#include <malloc.h>
#include <signal.h>

#include <CLI/CLI.hpp>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <string_view>
#include <utility>

#include "hub/server/hub_server.h"
#include "hub/server/listen_address.h"
#include "hub/store/pg_url.h"

namespace {

using coven::hub::store::MaskPostgresSecrets;

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

// Whether the command line gives `option` (--name VALUE or --name=VALUE).
bool OnCommandLine(const CLI::Option& option, int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--") break;
    for (const std::string& name : option.get_lnames()) {
      const std::string flag = "--" + name;
      if (arg == flag || arg.substr(0, flag.size() + 1) == flag + "=") {
        return true;
      }
    }
  }
  return false;
}

// Where `option`'s value came from, for messages: its environment variable
// when the command line does not give it and the variable is set, else the
// flag.
std::string GivenAs(const CLI::Option& option, int argc, char** argv) {
  const std::string& env = option.get_envname();
  if (!env.empty() && !OnCommandLine(option, argc, argv)) {
    const char* value = std::getenv(env.c_str());
    if (value != nullptr && *value != '\0') return env;
  }
  return option.get_name();
}

// CLI11 names the flag of a bad value even when the value came from the
// environment, so an operator looks for a --workers nobody typed. Returns
// the message naming the variable instead, or "" when the flag is right.
std::string NamedBySource(const CLI::App& app, const std::string& message,
                          int argc, char** argv) {
  for (const CLI::Option* option : app.get_options()) {
    const std::string flag = option->get_name();
    if (flag.empty() || option->get_envname().empty()) continue;
    const bool names_it = message.rfind(flag + ":", 0) == 0 ||
                          message.find(" " + flag + " ") != std::string::npos;
    if (!names_it) continue;
    const std::string source = GivenAs(*option, argc, argv);
    if (source == flag) return "";
    std::string renamed = message;
    for (std::size_t at = renamed.find(flag); at != std::string::npos;
         at = renamed.find(flag, at + source.size())) {
      renamed.replace(at, flag.size(), source);
    }
    return renamed + "\nThe value comes from the environment variable " +
           source + " (" + flag +
           " on the command line would override it): correct or unset it.";
  }
  return "";
}

// libpq takes a postgresql:// or postgres:// URI or key=value settings
// (host=H dbname=D). Anything else (mysql://..., a path) would fail later
// as a PostgreSQL connection error that does not say why, and one libpq
// cannot parse would fail with libpq's message quoting the password. ""
// when `url` is one libpq parses (or empty: the SQLite store), else what
// is wrong, without the password.
std::string CheckDatabaseUrl(const std::string& url) {
  if (url.empty()) return "";
  const std::size_t scheme_end = url.find("://");
  bool has_scheme = scheme_end != std::string::npos && scheme_end > 0;
  for (std::size_t i = 0; has_scheme && i < scheme_end; ++i) {
    const char c = url[i];
    has_scheme = std::isalnum(static_cast<unsigned char>(c)) || c == '+' ||
                 c == '-' || c == '.';
  }
  bool postgres = false;
  if (has_scheme) {
    const std::string scheme = url.substr(0, scheme_end);
    postgres = scheme == "postgresql" || scheme == "postgres";
  } else {
    postgres = url.find('=') != std::string::npos;
  }
  const std::string masked = MaskPostgresSecrets(url, url);
  if (postgres) {
    const std::string problem = coven::hub::store::PostgresUrlProblem(url);
    if (problem.empty()) return "";
    return masked + " is not a valid PostgreSQL URL: " + problem +
           "; correct it (postgresql://USER@HOST:PORT/DB, with any '%' in "
           "the password written as %25), or unset it for the embedded "
           "SQLite store in --data-dir";
  }
  return masked +
         " is not a PostgreSQL URL; use postgresql://USER@HOST:PORT/DB "
         "(or key=value settings: host=HOST dbname=DB), or unset it for "
         "the embedded SQLite store in --data-dir";
}

}  // namespace

int main(int argc, char** argv) {
  // Two malloc arenas instead of glibc's eight per core: the hub's worker
  // and gRPC threads otherwise each keep freed push buffers in arenas of
  // their own, and RSS stays up long after a burst (under the flood bench:
  // VmHWM 324 -> 206 MiB, the same bytes stored; docs/benchmarks.md). An
  // operator's MALLOC_ARENA_MAX wins.
  if (std::getenv("MALLOC_ARENA_MAX") == nullptr) mallopt(M_ARENA_MAX, 2);
  // Buffers of 1 MiB and more (large pushes, their copies for the store)
  // from mmap, returned when freed. glibc otherwise raises this threshold
  // after each such free, up to 32 MiB, and serves the next large buffers
  // from the heap, where they stay resident (PostgreSQL flood: VmHWM
  // 251-271 -> 229-244 MiB, peak sampled 180-223 -> 147-160 MiB;
  // docs/benchmarks.md). An operator's MALLOC_MMAP_THRESHOLD_ wins.
  if (std::getenv("MALLOC_MMAP_THRESHOLD_") == nullptr) {
    mallopt(M_MMAP_THRESHOLD, 1 << 20);
  }
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
      ->envname("COVEN_HUB_DATABASE_URL")
      ->check(
          CLI::Validator([](std::string& url) { return CheckDatabaseUrl(url); },
                         "POSTGRESQL URL", "PostgresUrl"));
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
  CLI::Option* listen =
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
  CLI::Option* metrics_listen =
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
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const bool bad_value = dynamic_cast<const CLI::ValidationError*>(&e) ||
                           dynamic_cast<const CLI::ConversionError*>(&e);
    const std::string renamed =
        bad_value ? NamedBySource(app, e.what(), argc, argv) : "";
    if (renamed.empty()) return app.exit(e);
    std::cerr << renamed << "\nRun with --help for more information.\n";
    return e.get_exit_code();
  }
  // Checked here too (HubServer::Start checks them again) so that a bad
  // address is reported under the name it was given as.
  for (auto [option, address] :
       {std::pair{listen, &options.listen},
        std::pair{metrics_listen, &options.metrics_listen}}) {
    if (address->empty() && option == metrics_listen) continue;
    const coven::Status checked = coven::hub::server::CheckListenAddress(
        GivenAs(*option, argc, argv), *address);
    if (!checked.ok()) {
      LogLine("event=fatal what=\"starting\" error=\"" + checked.ToString() +
              "\"");
      return 1;
    }
  }

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
    std::string hint;
    if (database_url.empty() &&
        store.status().code() == coven::StatusCode::kDataLoss) {
      // The hub cannot rebuild its store: devices keep their own objects,
      // but refuse a hub whose spaces (home marker, member log) are gone.
      const std::string file =
          (std::filesystem::path(data_dir) / "hub.db").string();
      hint = "the store file " + file +
             " is damaged; restore it from a "
             "backup (with its -wal file, if the backup has one): each device "
             "then puts back what it stored after the backup in its next "
             "audit (docs/format/home-repair.md). Moving it "
             "aside starts an empty hub that holds none of the spaces: "
             "devices refuse it as a home that lost its marker until each "
             "library is started there again";
      std::cerr << "coven-hub: " << hint << "\n";
    }
    LogLine("event=fatal what=\"opening the store\" error=\"" +
            MaskPostgresSecrets(store.status().ToString(), database_url) +
            "\"" + (hint.empty() ? "" : " hint=\"" + hint + "\""));
    return 1;
  }
  auto server = HubServer::Start(*store, options);
  if (!server.ok()) {
    LogLine("event=fatal what=\"starting\" error=\"" +
            server.status().ToString() + "\"");
    return 1;
  }
  if (options.plaintext &&
      !coven::hub::server::IsLoopbackListenAddress(options.listen)) {
    std::cerr
        << "coven-hub: WARNING: serving without TLS on " << options.listen
        << ", which other machines can reach: all traffic, device "
           "tokens included, crosses the network unencrypted. Run it "
           "like this only behind a TLS-terminating proxy or on a trusted "
           "network; otherwise give --tls-cert and --tls-key, or listen "
           "on 127.0.0.1.\n";
    LogLine(
        "event=warning what=\"plaintext on a non-loopback address\" "
        "listen=" +
        options.listen +
        " advice=\"tokens cross the network unencrypted: only behind a "
        "TLS-terminating proxy or on a trusted network\"");
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
