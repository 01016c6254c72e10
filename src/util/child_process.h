// ChildProcess: a server process coven starts and owns (rclone rcd for the
// rclone home; test servers in the test harness). It binds 127.0.0.1 port 0
// and prints the port it got; Start parses that port from the first output
// line containing a marker, so there is no port race.
//
// Thread safety: a ChildProcess may be used from several threads; the
// destructor must not race with other calls.
#ifndef COVEN_UTIL_CHILD_PROCESS_H_
#define COVEN_UTIL_CHILD_PROCESS_H_

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "coven/status.h"

namespace coven::util {

struct ChildProcessOptions {
  /// argv[0] is the program: a path, or a name looked up on PATH.
  std::vector<std::string> argv;
  /// Added to (or overriding) the parent's environment. Use this, not argv,
  /// for secrets: argv is visible to every local user in `ps`.
  std::vector<std::pair<std::string, std::string>> env;
  /// The port is the number right after the first occurrence of this text in
  /// the child's combined stdout/stderr, e.g. "listening on 127.0.0.1:".
  std::string port_marker;
  /// Send the child SIGTERM when the thread that started it exits
  /// (PR_SET_PDEATHSIG is per thread): right for test servers started by a
  /// test's main thread, wrong for a library that may start it from a
  /// worker thread.
  bool stop_with_starting_thread = false;
  /// How long Start waits for the marker.
  std::chrono::milliseconds start_timeout{20'000};
};

class ChildProcess {
 public:
  /// Starts the child and waits until it has printed its port. Errors:
  /// kNotFound if the program does not exist (naming it);
  /// kUnavailable if it exits or does not print the marker in time (with the
  /// tail of its output, which must therefore not contain secrets).
  static Result<std::unique_ptr<ChildProcess>> Start(
      ChildProcessOptions options);

  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  /// Stops the child: SIGTERM, then SIGKILL if it has not exited within 5 s.
  ~ChildProcess();

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  /// True while the child runs.
  bool running();
  /// The last 16 KiB of the child's output.
  std::string output_tail();
  /// Stops the child now (as the destructor does). Idempotent.
  void Stop();

 private:
  ChildProcess() = default;
  void ReadLoop(int fd);

  pid_t pid_ = -1;
  int port_ = 0;
  std::string marker_;
  std::thread reader_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::string output_;   // Guarded by mutex_; bounded tail.
  bool eof_ = false;     // Guarded by mutex_.
  bool reaped_ = false;  // Guarded by mutex_.
};

}  // namespace coven::util

#endif  // COVEN_UTIL_CHILD_PROCESS_H_
