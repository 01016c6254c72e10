// `todos watch` with its output in a file: every line it printed is in the
// file when it is stopped with SIGTERM (or SIGINT), not lost in a buffer.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "cli_harness.h"

namespace coven::testing {
namespace {

// Whether process `pid` has ended (gone, or a zombie nobody reaped yet).
bool WatchEnded(pid_t pid) {
  if (::kill(pid, 0) != 0) return true;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(stat, line);
  const std::size_t paren = line.rfind(')');
  return paren == std::string::npos || line.size() < paren + 3 ||
         line[paren + 2] == 'Z';
}

std::string ReadWatchOutput(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class TodosWatchCliTest : public CliTest {};

TEST_F(TodosWatchCliTest, SigtermKeepsWhatWasPrintedToAFile) {
  ASSERT_EQ(InitOwner("a").exit_code, 0);
  CommandResult joined = JoinWithRestoreCode("a", "b");
  ASSERT_EQ(joined.exit_code, 0) << joined.output;

  const std::string out = tmp_ / "watch.txt";
  CommandResult started =
      RunCommand(TodosBin() + " watch --dir " + Dir("b") + " > " + out +
                 " 2>/dev/null < /dev/null & echo $!");
  const pid_t pid = std::atoi(FirstLine(started.output).c_str());
  ASSERT_GT(pid, 0) << started.output;

  CommandResult add = Todos("add --dir " + Dir("a") + " 'buy milk'");
  ASSERT_EQ(add.exit_code, 0) << add.output;
  // Wait until the watching device has the todo (it then printed a line).
  bool arrived = false;
  for (int i = 0; i < 150 && !arrived; ++i) {
    arrived = Todos("list --dir " + Dir("b")).output.find("buy milk") !=
              std::string::npos;
    if (!arrived) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(arrived);

  ASSERT_EQ(::kill(pid, SIGTERM), 0);
  bool ended = false;
  for (int i = 0; i < 100 && !ended; ++i) {
    ended = WatchEnded(pid);
    if (!ended) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (!ended) ::kill(pid, SIGKILL);
  EXPECT_TRUE(ended) << "todos watch did not stop on SIGTERM within 10 s";
  const std::string printed = ReadWatchOutput(out);
  EXPECT_NE(printed.find("<- updated todos/"), std::string::npos)
      << "watch output: [" << printed << "]";
}

}  // namespace
}  // namespace coven::testing
