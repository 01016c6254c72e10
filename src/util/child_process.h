// ChildProcess: a server process coven starts and owns (rclone rcd for the
// rclone home; test servers in the test harness). It binds 127.0.0.1 port 0
// and prints the port it got; Start parses that port from the first output
// line containing a marker, so there is no port race.
//
// The child is started with posix_spawn (no fork of a multithreaded
// process), in a process group of its own, with stdin from /dev/null,
// stdout and stderr into one pipe, default signal handlers and an empty
// signal mask, and no other descriptor of this process.
//
// Thread safety: a ChildProcess may be used from several threads; the
// destructor must not race with other calls. Stop never holds the lock the
// output reader needs, so a child writing while it is stopped is drained.
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
  /// argv[0] is the program: a path, or a name looked up on this process's
  /// PATH.
  std::vector<std::string> argv;
  /// Added to (or overriding) the parent's environment. Use this, not argv,
  /// for secrets: argv is visible to every local user in `ps`.
  std::vector<std::pair<std::string, std::string>> env;
  /// The port is the number right after the first occurrence of this text in
  /// the child's combined stdout/stderr, e.g. "listening on 127.0.0.1:".
  std::string port_marker;
  /// Send the child SIGTERM when the thread that started it exits
  /// (PR_SET_PDEATHSIG, set through setpriv(1) from util-linux, is per
  /// thread): right for test servers started by a test's main thread, wrong
  /// for a library that may start it from a worker thread. Without setpriv
  /// on PATH the child is started without it.
  bool stop_with_starting_thread = false;
  /// How long Start waits for the marker.
  std::chrono::milliseconds start_timeout{20'000};
  /// How long Stop waits after SIGTERM before it sends SIGKILL.
  std::chrono::milliseconds stop_timeout{5'000};
};

class ChildProcess {
 public:
  /// Starts the child and waits until it has printed its port. Errors:
  /// kNotFound if the program does not exist (naming it); kPermissionDenied
  /// if it cannot be executed; kUnavailable if it exits or does not print
  /// the marker in time (with the tail of its output, which must therefore
  /// not contain secrets), or if the system refuses a pipe or a process.
  static Result<std::unique_ptr<ChildProcess>> Start(
      ChildProcessOptions options);

  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  /// Stops the child as Stop does.
  ~ChildProcess();

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  /// True while the child runs (reaps it, once, when it has exited).
  bool running();
  /// The last 16 KiB of the child's output.
  std::string output_tail();
  /// Stops the child now: SIGTERM to its process group, SIGKILL if it has
  /// not exited within `stop_timeout`; reaps it exactly once and waits for
  /// its output to end (at most a few seconds more if a descendant that left
  /// the group keeps the pipe open). Idempotent; concurrent calls wait for
  /// the first.
  void Stop();

 private:
  ChildProcess() = default;
  void ReadLoop(int fd);
  // Reaps the child if it has exited; true once it has been reaped.
  bool Reap();
  // Polls Reap() until `deadline`; true if reaped.
  bool WaitReaped(std::chrono::steady_clock::time_point deadline);
  // Waits until the reader saw the end of the output or `deadline`.
  bool WaitEof(std::chrono::steady_clock::time_point deadline);

  pid_t pid_ = -1;
  int port_ = 0;
  std::string marker_;
  std::chrono::milliseconds stop_timeout_{5'000};
  int wake_fd_ = -1;  // Written to make the reader give up.
  std::thread reader_;

  std::mutex mutex_;  // The reader's: never held while waiting for the child.
  std::condition_variable changed_;
  std::string output_;  // Guarded by mutex_; bounded tail.
  bool eof_ = false;    // Guarded by mutex_.

  std::mutex reap_mutex_;  // Held only around a non-blocking waitpid.
  bool reaped_ = false;    // Guarded by reap_mutex_.

  std::mutex stop_mutex_;  // Serializes Stop.
};

}  // namespace coven::util

#endif  // COVEN_UTIL_CHILD_PROCESS_H_
