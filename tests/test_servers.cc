#include "test_servers.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>

namespace coven::testing {

TempDir::TempDir(const std::string& tag) {
  std::string pattern = "/tmp/coven-" + tag + "-XXXXXX";
  if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
}

TempDir::~TempDir() {
  if (path_.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string TestServer::endpoint() const {
  return "http://127.0.0.1:" + std::to_string(port());
}

std::string S3rverPath() {
  return std::string(COVEN_SOURCE_DIR) +
         "/build-deps/npm/node_modules/.bin/s3rver";
}

Result<std::unique_ptr<TestServer>> StartS3rver(const std::string& bucket) {
  if (::access(S3rverPath().c_str(), X_OK) != 0) {
    return NotFoundError("s3rver is not installed at " + S3rverPath() +
                         ": run scripts/install-test-servers.sh");
  }
  auto server = std::make_unique<TestServer>();
  server->dir_ = std::make_unique<TempDir>("s3rver");
  util::ChildProcessOptions options;
  options.argv = {
      S3rverPath(), "-d",       server->dir_->path(), "-a",  "127.0.0.1", "-p",
      "0",          "--silent", "--configure-bucket", bucket};
  // Without the legacy provider every truncated ListObjectsV2 answer is a 500
  // (its continuation tokens use DES).
  options.env = {{"NODE_OPTIONS", "--openssl-legacy-provider"}};
  options.port_marker = "listening on 127.0.0.1:";
  options.stop_with_starting_thread = true;
  COVEN_ASSIGN_OR_RETURN(server->process_,
                         util::ChildProcess::Start(std::move(options)));
  return server;
}

Result<std::unique_ptr<TestServer>> StartRcloneWebDav(const std::string& user,
                                                      const std::string& pass) {
  if (::access("/usr/bin/rclone", X_OK) != 0) {
    return NotFoundError(
        "/usr/bin/rclone is missing: run scripts/install-deps.sh");
  }
  auto server = std::make_unique<TestServer>();
  server->dir_ = std::make_unique<TempDir>("webdav");
  util::ChildProcessOptions options;
  options.argv = {"/usr/bin/rclone",    "serve",    "webdav",
                  server->dir_->path(), "--addr",   "127.0.0.1:0",
                  "--config",           "/dev/null"};
  // Credentials through the environment, not argv.
  options.env = {{"RCLONE_USER", user}, {"RCLONE_PASS", pass}};
  options.port_marker = "started on http://127.0.0.1:";
  options.stop_with_starting_thread = true;
  COVEN_ASSIGN_OR_RETURN(server->process_,
                         util::ChildProcess::Start(std::move(options)));
  return server;
}

namespace {

TestServer* Shared(std::unique_ptr<TestServer>* slot,
                   Result<std::unique_ptr<TestServer>> (*start)()) {
  static std::mutex mutex;
  std::lock_guard<std::mutex> lock(mutex);
  if (*slot == nullptr) {
    Result<std::unique_ptr<TestServer>> started = start();
    if (!started.ok()) {
      ADD_FAILURE() << started.status().ToString();
      return nullptr;
    }
    *slot = std::move(*started);
  }
  return slot->get();
}

}  // namespace

TestServer* SharedS3rver() {
  static std::unique_ptr<TestServer> server;
  return Shared(&server, [] { return StartS3rver("home"); });
}

TestServer* SharedWebDav() {
  static std::unique_ptr<TestServer> server;
  return Shared(&server,
                [] { return StartRcloneWebDav(kWebDavUser, kWebDavPassword); });
}

std::string UniqueName(const std::string& tag) {
  static std::atomic<int> counter{0};
  return tag + "-" + std::to_string(::getpid()) + "-" +
         std::to_string(counter++);
}

}  // namespace coven::testing
