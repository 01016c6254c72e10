// A start (`coven init`, `todos init`) killed between making its home and
// writing library.json: the retry reuses the library id it recorded, finds
// the home it made as its own, and syncs; nothing is refused or left behind.
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
#include "secret_store_test_util.h"
#include "util/crash_point.h"

namespace coven::library {
namespace {

using keys::testing::ScratchDir;

constexpr char kSchema[] =
    "CREATE TABLE IF NOT EXISTS notes(id TEXT PRIMARY KEY, body TEXT, "
    "_updated_at TEXT NOT NULL)";

void KillAtHomeMade(const char* point) {
  if (std::strcmp(point, "start.after_home") == 0) ::raise(SIGKILL);
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class StartRetryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("COVEN_TEST_FAST_KDF", "1", 1);
    setenv("COVEN_KEY_CUSTODY", "files", 1);
  }
  void TearDown() override { unsetenv("COVEN_KEY_CUSTODY"); }

  std::string Dir() const { return scratch_.path() + "/lib"; }
  std::string Home() const { return scratch_.path() + "/home"; }

  Result<LibrarySettings> Start() {
    LibrarySettings settings;
    settings.device_name = "laptop";
    settings.home_folder = home_.empty() ? Home() : home_;
    settings.database = scratch_.path() + "/app.db";
    settings.tables = {"notes"};
    return CreateLibrary(Dir(), settings);
  }

  // Runs Start() in a child killed once the home is made; true if it was.
  bool StartKilledAfterTheHome() {
    const pid_t pid = ::fork();
    if (pid == 0) {
      SetCrashHookForTesting(&KillAtHomeMade);
      Result<LibrarySettings> started = Start();
      ::_exit(started.ok() ? 0 : 1);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
  }

  ScratchDir scratch_;
  std::string home_;  // Home() when empty.
};

TEST_F(StartRetryTest, AStartKilledAfterMakingItsHomeSucceedsWhenRetried) {
  ASSERT_TRUE(StartKilledAfterTheHome());
  ASSERT_FALSE(std::filesystem::exists(Dir() + "/library.json"));
  ASSERT_TRUE(std::filesystem::exists(Dir() + "/starting.json"));
  const std::string marker = ReadAll(Home() + "/coven-library.json");
  ASSERT_FALSE(marker.empty()) << "the killed start made no home";

  Result<LibrarySettings> retried = Start();
  ASSERT_TRUE(retried.ok()) << retried.status().ToString();
  EXPECT_NE(marker.find(retried->library_id), std::string::npos)
      << "the retry started library " << retried->library_id
      << ", but the home it made names another: " << marker;
  EXPECT_FALSE(std::filesystem::exists(Dir() + "/starting.json"));

  Result<Library> library = OpenLibrary(Dir(), kSchema);
  ASSERT_TRUE(library.ok()) << library.status().ToString();
  Result<sync::sync_manager::SyncReport> report = library->manager->sync_now();
  EXPECT_TRUE(report.ok()) << report.status().ToString();
  ASSERT_TRUE(library->manager->stop().ok());
}

TEST_F(StartRetryTest, ARetryAtAnotherHomeStartsANewLibrary) {
  ASSERT_TRUE(StartKilledAfterTheHome());
  const std::string first = ReadAll(Home() + "/coven-library.json");
  ASSERT_FALSE(first.empty());
  home_ = scratch_.path() + "/other-home";
  Result<LibrarySettings> retried = Start();
  ASSERT_TRUE(retried.ok()) << retried.status().ToString();
  EXPECT_EQ(first.find(retried->library_id), std::string::npos)
      << "the id of the start at " << Home() << " was reused at " << home_;
  EXPECT_NE(ReadAll(home_ + "/coven-library.json").find(retried->library_id),
            std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(Dir() + "/starting.json"));
}

TEST_F(StartRetryTest, ADamagedRecordOfAnUnfinishedStartSaysWhatToRemove) {
  ASSERT_TRUE(StartKilledAfterTheHome());
  std::ofstream(Dir() + "/starting.json") << "{\"library_id\": \"zz\"}";
  Result<LibrarySettings> retried = Start();
  ASSERT_FALSE(retried.ok());
  EXPECT_EQ(retried.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(retried.status().message().find("starting.json"), std::string::npos)
      << retried.status().ToString();
  EXPECT_NE(retried.status().message().find("remove it"), std::string::npos)
      << retried.status().ToString();
}

}  // namespace
}  // namespace coven::library
