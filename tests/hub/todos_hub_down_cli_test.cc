// `todos` while its hub is down: a write is saved on the device and exits
// 0 with a note that it syncs later (it does, once the hub is back), and
// `todos watch` says once, in words, that the hub is not reachable.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "cli_harness.h"
#include "hub/hub_server.h"

namespace coven::testing {
namespace {

// How often `needle` occurs in `text`.
int Occurrences(const std::string& text, const std::string& needle) {
  int count = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + needle.size())) {
    ++count;
  }
  return count;
}

class TodosHubDownCliTest : public CliTest {
 protected:
  void SetUp() override {
    auto hub = StartHubProcess(data_.path(), 0);
    ASSERT_TRUE(hub.ok()) << hub.status().ToString();
    hub_ = std::move(*hub);
    port_ = hub_->port();
  }
  std::string Home() override {
    return "hub://127.0.0.1:" + std::to_string(port_) + "/todos-down" +
           "?plaintext=1";
  }
  void StopHub() { hub_->Stop(); }
  void RestartHub() {
    auto hub = StartHubProcess(data_.path(), port_);
    ASSERT_TRUE(hub.ok()) << hub.status().ToString();
    hub_ = std::move(*hub);
  }

  TempDir data_{"todos-down"};
  std::unique_ptr<util::ChildProcess> hub_;
  int port_ = 0;
};

TEST_F(TodosHubDownCliTest, AWriteWhileTheHubIsDownIsSavedAndExitsZero) {
  ASSERT_EQ(InitOwner("a").exit_code, 0);
  ASSERT_EQ(Todos("add --dir " + Dir("a") + " --id t1 first").exit_code, 0);
  StopHub();
  for (const std::string& args :
       {std::string("add --id t2 'buy milk'"),
        std::string("edit t2 'oat milk'"), std::string("done t2"),
        std::string("rm t1")}) {
    CommandResult write = Todos(args + " --dir " + Dir("a"));
    EXPECT_EQ(write.exit_code, 0) << args << ": " << write.output;
    EXPECT_NE(write.output.find("saved on this device; not synced yet"),
              std::string::npos)
        << args << ": " << write.output;
    EXPECT_NE(write.output.find("It will sync when the home is reachable"),
              std::string::npos)
        << args << ": " << write.output;
  }
  // `todos sync` has nothing else to do: its failure is its exit code.
  EXPECT_EQ(Todos("sync --dir " + Dir("a")).exit_code, 3);

  RestartHub();
  CommandResult sync = Todos("sync --dir " + Dir("a"));
  EXPECT_EQ(sync.exit_code, 0) << sync.output;
  CommandResult joined = JoinWithRestoreCode("a", "b");
  ASSERT_EQ(joined.exit_code, 0) << joined.output;
  const std::string list = Todos("list --dir " + Dir("b")).output;
  EXPECT_NE(list.find("[x] t2  oat milk"), std::string::npos) << list;
  EXPECT_EQ(list.find("t1"), std::string::npos) << list;
}

TEST_F(TodosHubDownCliTest, WatchSaysOncePerOutageThatTheHubIsDown) {
  ASSERT_EQ(InitOwner("a").exit_code, 0);
  const std::string out = tmp_ / "watch.txt";
  CommandResult started =
      RunCommand(TodosBin() + " watch --for 40 --dir " + Dir("a") + " > " +
                 out + " 2>&1 < /dev/null & echo $!");
  const pid_t pid = std::atoi(FirstLine(started.output).c_str());
  ASSERT_GT(pid, 0) << started.output;
  auto printed = [&] {
    std::ifstream in(out);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  };
  auto await = [&](const std::string& line) {
    for (int i = 0; i < 300; ++i) {
      if (printed().find(line) != std::string::npos) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  };
  std::this_thread::sleep_for(std::chrono::seconds(1));
  StopHub();
  EXPECT_TRUE(await("is not reachable; retrying")) << printed();
  // Several rounds fail while the hub is down.
  std::this_thread::sleep_for(std::chrono::seconds(7));
  RestartHub();
  EXPECT_TRUE(await("the home is reachable again")) << printed();
  ::kill(pid, SIGTERM);
  for (int i = 0; i < 100 && ::kill(pid, 0) == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const std::string said = printed();
  EXPECT_EQ(Occurrences(said, "is not reachable"), 1) << said;
  EXPECT_NE(said.find("the hub at " + Home() + " is not reachable"),
            std::string::npos)
      << said;
  EXPECT_EQ(said.find("CANCELLED"), std::string::npos) << said;
  EXPECT_EQ(said.find("sync failed"), std::string::npos) << said;
}

}  // namespace
}  // namespace coven::testing
