#include "hub/hub_server.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "coven/hub/v1/hub.grpc.pb.h"
#include "hub/postgres_server.h"

namespace coven::testing {
namespace {

// True once the hub at `port` answers Probe.
bool Answers(int port) {
  auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                     grpc::InsecureChannelCredentials());
  auto stub = hub::v1::Hub::NewStub(channel);
  hub::v1::ProbeRequest request;
  request.set_space("probe");
  hub::v1::ProbeReply reply;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::milliseconds(500));
  return stub->Probe(&context, request, &reply).ok();
}

}  // namespace

Result<std::unique_ptr<util::ChildProcess>> StartHubProcess(
    const std::string& data_dir, int port) {
  util::ChildProcessOptions options;
  options.argv = {std::string(COVEN_BINARY_DIR) + "/coven-hub",
                  "--data-dir",
                  data_dir,
                  "--listen",
                  "127.0.0.1:" + std::to_string(port),
                  "--plaintext"};
  options.port_marker = " port=";
  options.stop_with_starting_thread = true;
  return util::ChildProcess::Start(options);
}

Result<std::unique_ptr<HubServer>> HubServer::Start(
    const std::vector<std::string>& flags) {
  return Launch("", flags);
}

Result<std::unique_ptr<HubServer>> HubServer::StartOnPostgres(
    const std::string& database_url, const std::vector<std::string>& flags) {
  return Launch(database_url, flags);
}

Result<std::unique_ptr<HubServer>> HubServer::Launch(
    const std::string& database_url, const std::vector<std::string>& flags) {
  std::unique_ptr<HubServer> server(new HubServer());
  server->database_url_ = database_url;
  server->dir_ = std::make_unique<TempDir>("hub");
  if (server->dir_->path().empty()) {
    return UnavailableError("cannot create a scratch folder for coven-hub");
  }
  util::ChildProcessOptions options;
  // COVEN_TEST_HUB_PROGRAM runs the suite against another coven-hub.
  const char* program = std::getenv("COVEN_TEST_HUB_PROGRAM");
  options.argv = {program != nullptr && *program != '\0'
                      ? std::string(program)
                      : std::string(COVEN_BINARY_DIR) + "/coven-hub",
                  "--data-dir",
                  server->dir_->path(),
                  "--listen",
                  "127.0.0.1:0",
                  "--plaintext"};
  if (!database_url.empty()) {
    options.argv.push_back("--database-url");
    options.argv.push_back(database_url);
  }
  options.argv.insert(options.argv.end(), flags.begin(), flags.end());
  // The hub binds a free port and logs "event=serving ... port=N".
  options.port_marker = " port=";
  options.stop_with_starting_thread = true;
  COVEN_ASSIGN_OR_RETURN(server->process_,
                         util::ChildProcess::Start(std::move(options)));
  server->port_ = server->process_->port();
  const auto until =
      std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!Answers(server->port_)) {
    if (!server->process_->running() ||
        std::chrono::steady_clock::now() > until) {
      return UnavailableError("coven-hub does not answer Probe; its output:\n" +
                              server->process_->output_tail());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return server;
}

HubServer::~HubServer() {
  if (process_) process_->Stop();
}

const std::string& HubServer::data_dir() const { return dir_->path(); }

std::string HubServer::Url(std::string_view space,
                           std::string_view params) const {
  return "hub://127.0.0.1:" + std::to_string(port_) + "/" + std::string(space) +
         "?plaintext=1" + std::string(params);
}

// The shared hubs are stopped, and their data folders removed, when the test
// program exits: each test runs in its own process under ctest.
HubServer* SharedHub() {
  static const std::unique_ptr<HubServer> shared =
      []() -> std::unique_ptr<HubServer> {
    Result<std::unique_ptr<HubServer>> started = HubServer::Start();
    if (!started.ok()) {
      ADD_FAILURE() << "coven-hub: " << started.status().ToString();
      return nullptr;
    }
    return std::move(*started);
  }();
  if (shared == nullptr) ADD_FAILURE() << "coven-hub did not start";
  return shared.get();
}

HubServer* SharedPostgresHub() {
  // Built after PostgresServer::Shared(), so destroyed before it.
  static const std::unique_ptr<HubServer> shared =
      []() -> std::unique_ptr<HubServer> {
    auto postgres = hub::testing::PostgresServer::Shared();
    if (!postgres.ok()) {
      ADD_FAILURE() << "PostgreSQL: " << postgres.status().ToString();
      return nullptr;
    }
    Result<std::string> database = (*postgres)->CreateDatabase();
    if (!database.ok()) {
      ADD_FAILURE() << "PostgreSQL: " << database.status().ToString();
      return nullptr;
    }
    Result<std::unique_ptr<HubServer>> started =
        HubServer::StartOnPostgres(*database);
    if (!started.ok()) {
      ADD_FAILURE() << "coven-hub on PostgreSQL: "
                    << started.status().ToString();
      return nullptr;
    }
    return std::move(*started);
  }();
  if (shared == nullptr)
    ADD_FAILURE() << "coven-hub on PostgreSQL did not start";
  return shared.get();
}

std::string UniqueSpace(const std::string& tag) {
  static std::atomic<int> counter{0};
  return "t-" + tag + "-" + std::to_string(::getpid()) + "-" +
         std::to_string(counter++);
}

}  // namespace coven::testing
