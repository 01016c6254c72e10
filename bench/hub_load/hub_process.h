// The coven-hub under test: the real program started as a child process on
// a temporary SQLite directory or a PostgreSQL database, and its memory as
// /proc reports it.
#ifndef COVEN_BENCH_HUB_LOAD_HUB_PROCESS_H_
#define COVEN_BENCH_HUB_LOAD_HUB_PROCESS_H_

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "coven/status.h"
#include "util/child_process.h"

namespace coven::hub_bench {

struct HubProcessOptions {
  std::string program;       ///< the coven-hub binary
  std::string database_url;  ///< empty: SQLite in a temporary directory
  /// Prefix the command with these (e.g. {"taskset", "-c", "0"}).
  std::vector<std::string> wrapper;
  std::vector<std::string> extra_args;
};

/// VmRSS and VmHWM of a process, in bytes (0 when unreadable).
struct Memory {
  std::uint64_t rss = 0;
  std::uint64_t hwm = 0;
};
Memory ReadMemory(pid_t pid);

/// Seconds of CPU (user + system) a process has used.
double ReadCpuSeconds(pid_t pid);

class HubProcess {
 public:
  static Result<std::unique_ptr<HubProcess>> Start(HubProcessOptions options);
  ~HubProcess();

  int port() const { return child_->port(); }
  /// The hub's own pid (the child, or the program a wrapper exec'd).
  pid_t pid() const { return child_->pid(); }
  std::string target() const { return "127.0.0.1:" + std::to_string(port()); }
  bool running() { return child_->running(); }
  std::string output_tail() { return child_->output_tail(); }
  void Stop() { child_->Stop(); }

 private:
  HubProcess() = default;
  std::string data_dir_;
  std::unique_ptr<util::ChildProcess> child_;
};

/// A PostgreSQL server for the bench (the tests' harness) when compiled in;
/// the URL of a fresh database. kUnimplemented without the harness.
Result<std::string> StartPostgres();

}  // namespace coven::hub_bench

#endif  // COVEN_BENCH_HUB_LOAD_HUB_PROCESS_H_
