// ChildProcess: starting a program with posix_spawn, reading its output while
// it is stopped, killing one that ignores SIGTERM, clear errors for a missing
// program, and no file descriptors leaked into children or left behind.
#include "util/child_process.h"

#include <dirent.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace coven::util {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using Clock = std::chrono::steady_clock;

// Runs `script` under /bin/sh; the script prints "port: <n> " to be started.
ChildProcessOptions Sh(std::string script) {
  ChildProcessOptions options;
  options.argv = {"/bin/sh", "-c", std::move(script)};
  options.port_marker = "port: ";
  options.start_timeout = std::chrono::seconds(10);
  return options;
}

int CountOpenFds() {
  int count = 0;
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return -1;
  while (const dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  ::closedir(dir);
  return count - 1;  // The directory's own descriptor.
}

// Processes of group `pgid` that are not zombies (an orphaned zombie waits
// for init to reap it).
int LiveProcessesInGroup(pid_t pgid) {
  int live = 0;
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return -1;
  while (const dirent* entry = ::readdir(proc)) {
    if (entry->d_name[0] < '0' || entry->d_name[0] > '9') continue;
    std::ifstream stat(std::string("/proc/") + entry->d_name + "/stat");
    std::string line;
    if (!std::getline(stat, line)) continue;
    const std::size_t paren = line.rfind(')');
    if (paren == std::string::npos) continue;
    std::istringstream rest(line.substr(paren + 1));
    char state = 0;
    long ppid = 0, pgrp = 0;
    if (rest >> state >> ppid >> pgrp && pgrp == pgid && state != 'Z') ++live;
  }
  ::closedir(proc);
  return live;
}

TEST(ChildProcessTest, StartsAndParsesThePort) {
  auto child = ChildProcess::Start(
      Sh("echo 'hello port: 4242 '; while :; do sleep 0.05; done"));
  ASSERT_TRUE(child.ok()) << child.status().ToString();
  EXPECT_EQ((*child)->port(), 4242);
  EXPECT_TRUE((*child)->running());
  EXPECT_THAT((*child)->output_tail(), HasSubstr("hello"));
  (*child)->Stop();
  EXPECT_FALSE((*child)->running());
  (*child)->Stop();  // Idempotent.
}

// A child that answers SIGTERM by writing far more than a pipe holds: Stop
// must keep reading its output while it waits, or the child blocks on the
// full pipe until the SIGKILL deadline.
TEST(ChildProcessTest, ChildFloodingOutputWhileStoppingFinishesPromptly) {
  ChildProcessOptions options =
      Sh("trap 'head -c 4000000 /dev/zero; exit 0' TERM; echo 'port: 1 '; "
         "while :; do sleep 0.05; done");
  options.stop_timeout = std::chrono::seconds(20);
  auto child = ChildProcess::Start(std::move(options));
  ASSERT_TRUE(child.ok()) << child.status().ToString();
  const auto start = Clock::now();
  (*child)->Stop();
  const auto took = Clock::now() - start;
  EXPECT_LT(took, std::chrono::seconds(3))
      << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
      << " ms";
  EXPECT_FALSE((*child)->running());
}

TEST(ChildProcessTest, ChildIgnoringSigtermIsKilledAfterTheDeadline) {
  ChildProcessOptions options =
      Sh("trap '' TERM; echo 'port: 1 '; while :; do sleep 0.05; done");
  options.stop_timeout = std::chrono::milliseconds(300);
  auto child = ChildProcess::Start(std::move(options));
  ASSERT_TRUE(child.ok()) << child.status().ToString();
  const pid_t pid = (*child)->pid();
  const auto start = Clock::now();
  (*child)->Stop();
  const auto took = Clock::now() - start;
  EXPECT_GE(took, std::chrono::milliseconds(250));
  EXPECT_LT(took, std::chrono::seconds(3))
      << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
      << " ms";
  EXPECT_FALSE((*child)->running());
  // Reaped (by Stop, exactly once), and nothing of its group still runs.
  errno = 0;
  EXPECT_EQ(::waitpid(pid, nullptr, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);
  // (A member killed by SIGKILL closes the pipe a moment before it dies.)
  const auto deadline = Clock::now() + std::chrono::seconds(2);
  while (LiveProcessesInGroup(pid) != 0 && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(LiveProcessesInGroup(pid), 0);
}

TEST(ChildProcessTest, MissingProgramIsNotFoundAndNamed) {
  ChildProcessOptions on_path;
  on_path.argv = {"coven-no-such-program-7f3a"};
  on_path.port_marker = "port: ";
  auto got = ChildProcess::Start(std::move(on_path));
  EXPECT_EQ(got.status().code(), StatusCode::kNotFound)
      << got.status().ToString();
  EXPECT_THAT(got.status().message(), HasSubstr("coven-no-such-program-7f3a"));

  ChildProcessOptions by_path;
  by_path.argv = {"/nonexistent/coven-no-such-program"};
  by_path.port_marker = "port: ";
  got = ChildProcess::Start(std::move(by_path));
  EXPECT_EQ(got.status().code(), StatusCode::kNotFound)
      << got.status().ToString();
  EXPECT_THAT(got.status().message(),
              HasSubstr("/nonexistent/coven-no-such-program"));
}

TEST(ChildProcessTest, ChildInheritsOnlyStandardDescriptors) {
  // A descriptor the host opened without O_CLOEXEC (as many libraries do).
  const int leaky = ::open("/dev/null", O_RDONLY);
  ASSERT_GE(leaky, 0);
  ASSERT_EQ(::dup2(leaky, 200), 200);
  ::close(leaky);
  auto child = ChildProcess::Start(
      Sh("for f in /proc/$$/fd/*; do printf 'fd=%s ' \"${f##*/}\"; done; "
         "echo 'port: 1 '; while :; do sleep 0.05; done"));
  ::close(200);
  ASSERT_TRUE(child.ok()) << child.status().ToString();
  const std::string listing = (*child)->output_tail();
  EXPECT_THAT(listing, HasSubstr("fd=0 "));
  EXPECT_THAT(listing, HasSubstr("fd=1 "));
  EXPECT_THAT(listing, Not(HasSubstr("fd=200 "))) << listing;
}

TEST(ChildProcessTest, ManySpawnsFromSeveralThreadsLeakNoDescriptors) {
  const int before = CountOpenFds();
  ASSERT_GT(before, 0);
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&failures] {
      for (int i = 0; i < 15; ++i) {
        auto child = ChildProcess::Start(
            Sh(i % 3 == 0 ? "echo 'port: 7 '"
                          : "echo 'port: 7 '; while :; do sleep 0.05; done"));
        if (!child.ok() || (*child)->port() != 7) ++failures;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(CountOpenFds(), before);
}

// PR_SET_PDEATHSIG: a test server dies with the thread that started it, so a
// crashed test leaves no server behind.
TEST(ChildProcessTest, StopWithStartingThreadEndsTheChildWithTheThread) {
  std::unique_ptr<ChildProcess> child;
  std::thread starter([&child] {
    ChildProcessOptions options =
        Sh("echo 'port: 9 '; while :; do sleep 0.05; done");
    options.stop_with_starting_thread = true;
    auto started = ChildProcess::Start(std::move(options));
    if (started.ok()) child = std::move(*started);
  });
  starter.join();
  ASSERT_NE(child, nullptr);
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  while (child->running() && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_FALSE(child->running());
}

TEST(ChildProcessTest, StopRacesWithReadersOfTheOutput) {
  auto child = ChildProcess::Start(
      Sh("echo 'port: 3 '; while :; do echo tick; sleep 0.01; done"));
  ASSERT_TRUE(child.ok()) << child.status().ToString();
  std::atomic<bool> done{false};
  std::thread watcher([&] {
    while (!done) {
      (void)(*child)->running();
      (void)(*child)->output_tail();
    }
  });
  std::thread stopper([&] { (*child)->Stop(); });
  (*child)->Stop();
  stopper.join();
  done = true;
  watcher.join();
  EXPECT_FALSE((*child)->running());
}

}  // namespace
}  // namespace coven::util
