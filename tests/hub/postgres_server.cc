#include "hub/postgres_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

extern char** environ;

namespace coven::hub::testing {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kStartTimeout = std::chrono::seconds(30);

std::string BinDir() {
  const char* dir = std::getenv("COVEN_TEST_PG_BIN");
  return dir && *dir ? dir : "/usr/lib/postgresql/15/bin";
}

Result<int> FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return UnavailableError("socket() failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  const bool ok =
      bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  close(fd);
  if (!ok) return UnavailableError("cannot bind a free port on 127.0.0.1");
  return static_cast<int>(ntohs(address.sin_port));
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Runs argv to its end with stdout and stderr appended to `log`.
Status RunToEnd(const std::vector<std::string>& argv, const std::string& log) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::vector<char*> args;
  for (const std::string& arg : argv)
    args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const int rc =
      posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return UnavailableError("cannot start " + argv[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return UnavailableError(argv[0] + " failed: " + ReadFile(log));
  }
  return Status::Ok();
}

// The arguments that run a program as the postgres user (root only).
std::vector<std::string> AsPostgres(bool as_postgres_user) {
  if (!as_postgres_user) return {};
  return {"setpriv", "--reuid=postgres", "--regid=postgres", "--clear-groups",
          "--"};
}

// A freshly initdb'ed cluster, made once per user and kept in /tmp (initdb
// costs seconds on a busy machine; a copy is cheaper): each server starts
// on a copy. Made under a temporary name and renamed into place, so
// processes racing to make it each see a whole one.
Result<std::string> Template(const std::string& bin, bool as_postgres_user) {
  const std::string path =
      "/tmp/coven-test-pg15-template-v1-" + std::to_string(geteuid());
  if (access((path + "/data/PG_VERSION").c_str(), F_OK) == 0) {
    return path + "/data";
  }
  char making[] = "/tmp/coven-test-pg15-making-XXXXXX";
  if (mkdtemp(making) == nullptr) {
    return UnavailableError("cannot create a temporary directory");
  }
  if (as_postgres_user) {
    const passwd* user = getpwnam("postgres");
    if (user == nullptr || chown(making, user->pw_uid, user->pw_gid) != 0) {
      return UnavailableError("cannot chown " + std::string(making));
    }
  }
  std::vector<std::string> initdb = AsPostgres(as_postgres_user);
  for (const std::string& arg :
       {bin + "/initdb", std::string("-D"), std::string(making) + "/data",
        std::string("-U"), std::string("postgres"), std::string("-A"),
        std::string("trust"), std::string("-E"), std::string("UTF8"),
        std::string("--locale=C"), std::string("--no-sync")}) {
    initdb.push_back(arg);
  }
  Status made = RunToEnd(initdb, std::string(making) + "/initdb.log");
  std::error_code ignored;
  if (made.ok() && rename(making, path.c_str()) == 0) return path + "/data";
  std::filesystem::remove_all(making, ignored);
  COVEN_RETURN_IF_ERROR(made);
  // Another process renamed its own into place first.
  if (access((path + "/data/PG_VERSION").c_str(), F_OK) == 0) {
    return path + "/data";
  }
  return UnavailableError("cannot put the PostgreSQL template at " + path);
}

}  // namespace

Result<PostgresServer*> PostgresServer::Shared() {
  static std::once_flag once;
  static std::unique_ptr<PostgresServer> server;
  static Status failure;
  std::call_once(once, [] {
    Result<std::unique_ptr<PostgresServer>> started = Start();
    if (started.ok()) {
      server = std::move(*started);
    } else {
      failure = started.status();
    }
  });
  if (!server) return failure;
  return server.get();
}

Result<std::unique_ptr<PostgresServer>> PostgresServer::Start() {
  const std::string bin = BinDir();
  for (const char* program : {"initdb", "postgres"}) {
    if (access((bin + "/" + program).c_str(), X_OK) != 0) {
      return FailedPreconditionError("PostgreSQL 15 is not installed (no " +
                                     bin + "/" + program +
                                     "): run scripts/install-deps.sh");
    }
  }
  std::unique_ptr<PostgresServer> server(new PostgresServer());
  char dir[] = "/tmp/coven-pg-XXXXXX";
  if (mkdtemp(dir) == nullptr) {
    return UnavailableError("cannot create a temporary directory");
  }
  server->dir_ = dir;
  if (geteuid() == 0) {
    // initdb and postgres refuse to run as root.
    const passwd* user = getpwnam("postgres");
    if (user == nullptr) {
      return FailedPreconditionError(
          "running as root and there is no `postgres` user to run "
          "PostgreSQL as: run scripts/install-deps.sh");
    }
    if (chown(dir, user->pw_uid, user->pw_gid) != 0) {
      return UnavailableError("cannot chown " + server->dir_);
    }
    server->as_postgres_user_ = true;
  }
  COVEN_ASSIGN_OR_RETURN(const std::string cluster,
                         Template(bin, server->as_postgres_user_));
  // cp -a keeps the owner (postgres) and the 0700 mode postgres requires.
  COVEN_RETURN_IF_ERROR(RunToEnd({"cp", "-a", cluster, server->dir_ + "/data"},
                                 server->dir_ + "/copy.log"));
  COVEN_ASSIGN_OR_RETURN(server->port_, FreePort());
  COVEN_RETURN_IF_ERROR(server->Launch());
  COVEN_RETURN_IF_ERROR(server->WaitReady());
  return server;
}

PostgresServer::~PostgresServer() {
  Stop();
  if (!dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
}

Status PostgresServer::Launch() {
  util::ChildProcessOptions options;
  if (as_postgres_user_) {
    // Change user first, then ask for SIGTERM when this thread exits: a
    // change of user would clear that request.
    options.argv = {
        "setpriv", "--reuid=postgres", "--regid=postgres", "--clear-groups",
        "--",      "setpriv",          "--pdeathsig",      "TERM",
        "--"};
  } else {
    options.stop_with_starting_thread = true;
  }
  const std::vector<std::string> server_args = {
      BinDir() + "/postgres",
      "-D",
      dir_ + "/data",
      "-p",
      std::to_string(port_),
      "-c",
      "listen_addresses=127.0.0.1",
      "-c",
      "unix_socket_directories=" + dir_,
      "-c",
      "fsync=on",
      "-c",
      "synchronous_commit=on",
      "-c",
      "max_connections=300",
      "-c",
      "shared_buffers=32MB"};
  options.argv.insert(options.argv.end(), server_args.begin(),
                      server_args.end());
  options.port_marker = "\"127.0.0.1\", port ";
  options.start_timeout = std::chrono::seconds(30);
  options.stop_timeout = std::chrono::seconds(10);
  COVEN_ASSIGN_OR_RETURN(std::unique_ptr<util::ChildProcess> process,
                         util::ChildProcess::Start(std::move(options)));
  std::lock_guard lock(mutex_);
  process_ = std::move(process);
  return Status::Ok();
}

Status PostgresServer::WaitReady() {
  const std::string conninfo = "host=127.0.0.1 port=" + std::to_string(port_) +
                               " dbname=postgres user=postgres "
                               "connect_timeout=2";
  const auto deadline = Clock::now() + kStartTimeout;
  while (Clock::now() < deadline) {
    if (PQping(conninfo.c_str()) == PQPING_OK) return Status::Ok();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return UnavailableError("PostgreSQL did not accept connections in time: " +
                          Log());
}

std::string PostgresServer::Url(const std::string& database) const {
  return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/" +
         database;
}

Result<std::string> PostgresServer::CreateDatabase() {
  const std::string name = "t_" + std::to_string(databases_++);
  PGconn* conn = PQconnectdb(Url("postgres").c_str());
  std::string error;
  if (PQstatus(conn) != CONNECTION_OK) {
    error = PQerrorMessage(conn);
  } else {
    PGresult* result = PQexec(conn, ("CREATE DATABASE " + name).c_str());
    if (PQresultStatus(result) != PGRES_COMMAND_OK) {
      error = PQresultErrorMessage(result);
    }
    PQclear(result);
  }
  PQfinish(conn);
  if (!error.empty()) {
    return UnavailableError("cannot create database " + name + ": " + error);
  }
  return Url(name);
}

void PostgresServer::Kill() {
  std::lock_guard lock(mutex_);
  if (!process_) return;
  ::kill(process_->pid(), SIGKILL);
  process_->Stop();  // Reaps it.
  process_.reset();
}

Status PostgresServer::Restart() {
  // Until the killed server's backends are gone, a new postmaster may refuse
  // the data directory ("shared memory block is still in use"): retry.
  const auto deadline = Clock::now() + kStartTimeout;
  Status launched;
  while (Clock::now() < deadline) {
    launched = Launch();
    if (launched.ok()) return WaitReady();
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return launched;
}

std::string PostgresServer::Log() {
  std::lock_guard lock(mutex_);
  return process_ ? process_->output_tail() : "(not running)";
}

void PostgresServer::Stop() {
  std::lock_guard lock(mutex_);
  if (!process_) return;
  // SIGQUIT: an immediate shutdown. Its data directory is removed next, so
  // the shutdown checkpoint (seconds of fsync) would be wasted.
  ::kill(process_->pid(), SIGQUIT);
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (process_->running() && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  process_->Stop();
  process_.reset();
}

}  // namespace coven::hub::testing
