// A start (`coven init`, `todos init`) at a hub home killed after it
// registered and claimed its space and wrote the marker, before
// library.json: the retry in the same directory reuses the recorded id and
// the same device key, finds the space as its own, and syncs.
//
// The hub runs as its own program, started without a gRPC call from this
// process: the start runs in a forked child, and gRPC must not be running
// in the parent when it forks.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "coven/library.h"
#include "coven/sync_manager.h"
#include "test_servers.h"
#include "util/child_process.h"
#include "util/crash_point.h"

namespace coven::testing {
namespace {

void KillAtHomeMade(const char* point) {
  if (std::strcmp(point, "start.after_home") == 0) ::raise(SIGKILL);
}

TEST(HubStartRetryTest, AStartKilledAfterClaimingItsSpaceSucceedsWhenRetried) {
  setenv("COVEN_TEST_FAST_KDF", "1", 1);
  setenv("COVEN_KEY_CUSTODY", "files", 1);
  TempDir scratch("start-retry");
  ASSERT_FALSE(scratch.path().empty());
  util::ChildProcessOptions options;
  options.argv = {std::string(COVEN_BINARY_DIR) + "/coven-hub",
                  "--data-dir",
                  scratch.path() + "/hub",
                  "--listen",
                  "127.0.0.1:0",
                  "--plaintext"};
  options.port_marker = " port=";  // Logged once it serves.
  options.stop_with_starting_thread = true;
  auto hub = util::ChildProcess::Start(std::move(options));
  ASSERT_TRUE(hub.ok()) << hub.status().ToString();

  const std::string dir = scratch.path() + "/lib";
  library::LibrarySettings settings;
  settings.device_name = "laptop";
  settings.home_folder = "hub://127.0.0.1:" + std::to_string((*hub)->port()) +
                         "/todos?plaintext=1";
  settings.database = scratch.path() + "/app.db";
  settings.tables = {"notes"};

  const pid_t pid = ::fork();
  if (pid == 0) {
    SetCrashHookForTesting(&KillAtHomeMade);
    Result<library::LibrarySettings> started =
        library::CreateLibrary(dir, settings);
    ::_exit(started.ok() ? 0 : 1);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
      << "the start was not killed after making its home";
  ASSERT_FALSE(std::filesystem::exists(dir + "/library.json"));
  std::ifstream record(dir + "/starting.json");
  const std::string recorded(std::istreambuf_iterator<char>(record), {});
  ASSERT_FALSE(recorded.empty());

  Result<library::LibrarySettings> retried =
      library::CreateLibrary(dir, settings);
  ASSERT_TRUE(retried.ok()) << retried.status().ToString();
  EXPECT_NE(recorded.find(retried->library_id), std::string::npos);
  Result<library::Library> opened = library::OpenLibrary(
      dir,
      "CREATE TABLE IF NOT EXISTS notes(id TEXT PRIMARY KEY, body TEXT, "
      "_updated_at TEXT NOT NULL)");
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  auto report = opened->manager->sync_now();
  EXPECT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(opened->manager->stop().ok());
  unsetenv("COVEN_KEY_CUSTODY");
}

}  // namespace
}  // namespace coven::testing
