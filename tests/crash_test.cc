// Crash safety: a process that writes and syncs is killed (SIGKILL) at random
// points, over and over. After every kill, no write whose commit returned is
// missing, the receiving device's cursors never move backwards, and no row
// change was applied twice; at the end both devices converge.
//
// COVEN_CRASH_ITERATIONS (default 100) sets the number of kills.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <random>
#include <set>

#include "coven/folder_home.h"
#include "test_device.h"

namespace coven::testing {
namespace {

constexpr const char* kReceiverLog = R"sql(
CREATE TABLE IF NOT EXISTS applied_log (id TEXT NOT NULL, stamp TEXT NOT NULL);
CREATE TRIGGER IF NOT EXISTS applied_ins AFTER INSERT ON todos BEGIN
  INSERT INTO applied_log VALUES (NEW.id, NEW._updated_at); END;
CREATE TRIGGER IF NOT EXISTS applied_upd AFTER UPDATE ON todos BEGIN
  INSERT INTO applied_log VALUES (NEW.id, NEW._updated_at); END;
)sql";

struct Paths {
  std::string dir, home, a_db, b_db;
};

std::unique_ptr<TestDevice> OpenDevice(const Paths& p, const TestLibrary& lib,
                                       std::uint64_t seed,
                                       const std::string& db,
                                       std::shared_ptr<ManualClock> clock) {
  auto home = home::FolderHome::Open(p.home);
  if (!home.ok()) return nullptr;
  TestDevice::Options options;
  options.db_path = db;
  return TestDevice::Create(lib, *home, seed, std::move(clock), options);
}

// The child: writes rows forever, reporting each committed id on `fd`.
[[noreturn]] void Child(const Paths& p, const TestLibrary& lib, int fd,
                        int first_id, std::uint64_t seed) {
  auto clock = std::make_shared<ManualClock>(1'700'000'000'000 + first_id * 10);
  auto a = OpenDevice(p, lib, 1, p.a_db, clock);
  auto b = OpenDevice(p, lib, 2, p.b_db, clock);
  if (!a || !b) _exit(3);
  b->Exec(kReceiverLog);
  if (write(fd, "R\n", 2) < 0) _exit(4);  // ready: the parent starts its timer
  std::mt19937_64 rng(seed);
  for (int id = first_id;; ++id) {
    clock->Advance(3);
    const std::string key = "r" + std::to_string(id);
    a->Exec("INSERT INTO todos VALUES('" + key + "', 'row " + key +
            "', 0, coven_hlc())");
    if (id % 3 == 0) {
      a->Exec(
          "UPDATE todos SET completed = 1, _updated_at = coven_hlc() WHERE id "
          "= 'r" +
          std::to_string(id - 1) + "'");
    }
    std::string line = std::to_string(id) + "\n";
    if (write(fd, line.data(), line.size()) < 0) _exit(4);
    switch (rng() % 4) {
      case 0:
        a->manager().sync_now().status().IgnoreError();
        break;
      case 1:
        b->manager().sync_now().status().IgnoreError();
        break;
      default:
        break;
    }
  }
}

std::set<int> ReadCommitted(int fd) {
  std::set<int> ids;
  std::string buffer;
  char chunk[4096];
  ssize_t n;
  while ((n = read(fd, chunk, sizeof(chunk))) > 0) buffer.append(chunk, n);
  std::size_t start = 0;
  for (std::size_t nl; (nl = buffer.find('\n', start)) != std::string::npos;
       start = nl + 1) {
    if (buffer[start] != 'R')
      ids.insert(std::atoi(buffer.substr(start, nl - start).c_str()));
  }
  return ids;
}

TEST(CrashTest, KilledWriterAndReceiverLoseNothingAndApplyOnce) {
  const char* env = std::getenv("COVEN_CRASH_ITERATIONS");
  const int iterations = env ? std::atoi(env) : 100;
  char tmpl[] = "/tmp/coven-crash-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  Paths p{tmpl, std::string(tmpl) + "/home", std::string(tmpl) + "/a.db",
          std::string(tmpl) + "/b.db"};
  const TestLibrary lib = MakeLibrary(99);
  std::mt19937_64 rng(20261122);
  std::set<int> committed;
  std::map<std::string, std::int64_t> last_cursor;
  int next_id = 1;

  for (int round = 0; round < iterations; ++round) {
    int pipefd[2];
    ASSERT_EQ(pipe(pipefd), 0);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(pipefd[0]);
      Child(p, lib, pipefd[1], next_id, rng());
    }
    close(pipefd[1]);
    // Wait until the child has opened both devices, so that every kill lands
    // among writes, flushes, uploads and applies whatever the machine load.
    char ready[2];
    ASSERT_EQ(read(pipefd[0], ready, 2), 2) << "child died before it was ready";
    usleep(static_cast<useconds_t>(rng() % 40000));
    kill(pid, SIGKILL);
    int wstatus = 0;
    waitpid(pid, &wstatus, 0);
    ASSERT_TRUE(WIFSIGNALED(wstatus))
        << "child exited early with " << WEXITSTATUS(wstatus) << " in round "
        << round;
    std::set<int> ids = ReadCommitted(pipefd[0]);
    close(pipefd[0]);
    committed.insert(ids.begin(), ids.end());
    if (!ids.empty()) next_id = *ids.rbegin() + 1;
    // A fresh id range per round keeps a half-written row of the killed
    // child from being confused with a committed one.
    next_id += 1000;

    // Check invariants with fresh connections (recovery runs on open).
    auto clock =
        std::make_shared<ManualClock>(1'700'000'000'000 + next_id * 10);
    auto a = OpenDevice(p, lib, 1, p.a_db, clock);
    auto b = OpenDevice(p, lib, 2, p.b_db, clock);
    ASSERT_TRUE(a && b);
    b->Exec(kReceiverLog);
    std::set<std::string> a_rows;
    for (const std::string& row : a->Dump("todos"))
      a_rows.insert(row.substr(0, row.find('|')));
    for (int id : committed) {
      ASSERT_TRUE(a_rows.count("r" + std::to_string(id)))
          << "committed row r" << id << " lost after kill in round " << round;
    }
    for (const std::string& row : b->Dump("sync_cursors ORDER BY author --")) {
      std::string author = row.substr(0, row.find('|'));
      std::string rest = row.substr(row.find('|') + 1);
      std::int64_t seq = std::atoll(rest.substr(0, rest.find('|')).c_str());
      ASSERT_GE(seq, last_cursor[author])
          << "cursor moved backwards in round " << round;
      last_cursor[author] = seq;
    }
    std::vector<std::string> log = b->Dump("applied_log ORDER BY id, stamp --");
    std::set<std::string> unique(log.begin(), log.end());
    ASSERT_EQ(unique.size(), log.size())
        << "a change was applied twice (round " << round << ")";
  }

  // Recovery: a clean sync delivers every committed write to B.
  auto clock =
      std::make_shared<ManualClock>(1'700'000'000'000 + (next_id + 10) * 10);
  auto a = OpenDevice(p, lib, 1, p.a_db, clock);
  auto b = OpenDevice(p, lib, 2, p.b_db, clock);
  ASSERT_TRUE(a && b);
  a->Sync();
  b->Sync();
  std::set<std::string> b_rows;
  for (const std::string& row : b->Dump("todos"))
    b_rows.insert(row.substr(0, row.find('|')));
  for (int id : committed) {
    ASSERT_TRUE(b_rows.count("r" + std::to_string(id)))
        << "r" << id << " never reached B";
  }
  EXPECT_EQ(a->Dump("todos"), b->Dump("todos"));
  EXPECT_GT(committed.size(), static_cast<std::size_t>(iterations / 2));
  std::printf("crash test: %d kills, %zu committed rows, all delivered\n",
              iterations, committed.size());
  std::filesystem::remove_all(p.dir);
}

}  // namespace
}  // namespace coven::testing
