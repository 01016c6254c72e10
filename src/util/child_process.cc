#include "util/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>

extern char** environ;

namespace coven::util {
namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr std::size_t kTailBytes = 16 * 1024;
// After the child is reaped, how long its output may take to end before the
// rest of its process group is killed, and then before the reader gives up.
constexpr std::chrono::seconds kEofGrace{1};
constexpr std::chrono::seconds kEofAfterKill{2};

// Finds the port after `marker` in `text`; 0 if not (yet) complete.
int ParsePort(const std::string& text, const std::string& marker) {
  const std::size_t at = text.find(marker);
  if (at == std::string::npos) return 0;
  std::size_t i = at + marker.size();
  int port = 0;
  std::size_t digits = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9' && digits < 6) {
    port = port * 10 + (text[i] - '0');
    ++i;
    ++digits;
  }
  // The number must be terminated, or it may still be arriving.
  if (digits == 0 || i == text.size() || port > 65535) return 0;
  return port;
}

// 0 if `path` is an executable regular file, else an errno.
int CheckExecutable(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return errno;
  if (!S_ISREG(st.st_mode)) return EACCES;
  return ::access(path.c_str(), X_OK) == 0 ? 0 : errno;
}

Status CannotRun(const std::string& program, int err) {
  std::string message = "cannot run " + program + ": " + std::strerror(err);
  if (err == ENOENT || err == ENOTDIR) {
    return NotFoundError(message +
                         "; install it (see scripts/install-deps.sh)");
  }
  if (err == EACCES || err == EPERM) return PermissionDeniedError(message);
  return UnavailableError(message);
}

// The file `program` names: itself if it contains a '/', else the first
// executable of that name on this process's PATH (as execvp searches).
Result<std::string> FindProgram(const std::string& program) {
  if (program.find('/') != std::string::npos) {
    const int err = CheckExecutable(program);
    if (err != 0) return CannotRun(program, err);
    return program;
  }
  const char* path_env = std::getenv("PATH");
  const std::string path =
      path_env != nullptr ? path_env : "/usr/local/bin:/usr/bin:/bin";
  std::size_t begin = 0;
  while (begin <= path.size()) {
    std::size_t end = path.find(':', begin);
    if (end == std::string::npos) end = path.size();
    const std::string dir = path.substr(begin, end - begin);
    const std::string candidate = (dir.empty() ? "." : dir) + "/" + program;
    if (CheckExecutable(candidate) == 0) return candidate;
    begin = end + 1;
  }
  return NotFoundError("cannot run " + program +
                       ": not found on PATH; install it (see "
                       "scripts/install-deps.sh)");
}

// posix_spawn's file actions and attributes, destroyed on scope exit.
class SpawnSetup {
 public:
  // The child gets stdin from /dev/null, stdout and stderr into `out_fd`,
  // and no other descriptor; its own process group; default signals.
  explicit SpawnSetup(int out_fd) {
    error_ = ::posix_spawn_file_actions_init(&actions_);
    if (error_ != 0) return;
    actions_made_ = true;
    error_ = ::posix_spawnattr_init(&attr_);
    if (error_ != 0) return;
    attr_made_ = true;
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    const int steps[] = {
      ::posix_spawn_file_actions_adddup2(&actions_, out_fd, STDOUT_FILENO),
      ::posix_spawn_file_actions_adddup2(&actions_, out_fd, STDERR_FILENO),
      ::posix_spawn_file_actions_addopen(&actions_, STDIN_FILENO, "/dev/null",
                                         O_RDONLY, 0),
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 34)
      // Also closes what the host opened without O_CLOEXEC.
      ::posix_spawn_file_actions_addclosefrom_np(&actions_, 3),
#endif
      ::posix_spawnattr_setpgroup(&attr_, 0),
      ::posix_spawnattr_setsigmask(&attr_, &none),
      ::posix_spawnattr_setsigdefault(&attr_, &all),
      ::posix_spawnattr_setflags(&attr_, POSIX_SPAWN_SETPGROUP |
                                             POSIX_SPAWN_SETSIGMASK |
                                             POSIX_SPAWN_SETSIGDEF),
    };
    for (int step : steps) {
      if (error_ == 0) error_ = step;
    }
  }
  ~SpawnSetup() {
    if (actions_made_) ::posix_spawn_file_actions_destroy(&actions_);
    if (attr_made_) ::posix_spawnattr_destroy(&attr_);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;

  int error() const { return error_; }
  const posix_spawn_file_actions_t* actions() const { return &actions_; }
  const posix_spawnattr_t* attr() const { return &attr_; }

 private:
  posix_spawn_file_actions_t actions_;
  posix_spawnattr_t attr_;
  bool actions_made_ = false;
  bool attr_made_ = false;
  int error_ = 0;
};

// The parent's environment with `overrides` applied, as "NAME=value".
std::vector<std::string> ChildEnvironment(
    const std::vector<std::pair<std::string, std::string>>& overrides) {
  std::map<std::string, std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry(*e);
    const std::size_t eq = entry.find('=');
    if (eq != std::string::npos) {
      env[entry.substr(0, eq)] = entry.substr(eq + 1);
    }
  }
  for (const auto& [name, value] : overrides) env[name] = value;
  std::vector<std::string> out;
  for (const auto& [name, value] : env) out.push_back(name + "=" + value);
  return out;
}

std::vector<char*> Pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

}  // namespace

Result<std::unique_ptr<ChildProcess>> ChildProcess::Start(
    ChildProcessOptions options) {
  if (options.argv.empty()) return InvalidArgumentError("no program to run");
  const std::string program = options.argv[0];
  COVEN_ASSIGN_OR_RETURN(std::string executable, FindProgram(program));
  std::vector<std::string> args = options.argv;
  args[0] = executable;
  if (options.stop_with_starting_thread) {
    // setpriv sets PR_SET_PDEATHSIG, then execs the program in place, so the
    // pid, the process group and the parent thread stay the same.
    if (Result<std::string> setpriv = FindProgram("setpriv"); setpriv.ok()) {
      args.insert(args.begin(), {*setpriv, "--pdeathsig", "TERM", "--"});
      executable = *setpriv;
    }
  }
  std::vector<std::string> env = ChildEnvironment(options.env);
  std::vector<char*> argv = Pointers(args);
  std::vector<char*> envp = Pointers(env);

  std::unique_ptr<ChildProcess> child(new ChildProcess());
  child->marker_ = options.port_marker;
  child->stop_timeout_ = options.stop_timeout;
  child->wake_fd_ = ::eventfd(0, EFD_CLOEXEC);
  int fds[2];
  if (child->wake_fd_ < 0 || ::pipe2(fds, O_CLOEXEC) != 0) {
    return UnavailableError(std::string("pipe: ") + std::strerror(errno));
  }
  if (fds[1] <= STDERR_FILENO) {
    // The host closed its standard descriptors: keep the pipe clear of the
    // numbers the child's dup2s overwrite.
    const int moved = ::fcntl(fds[1], F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
    ::close(fds[1]);
    fds[1] = moved;
  }
  int spawn_error = fds[1] < 0 ? errno : 0;
  if (spawn_error == 0) {
    SpawnSetup setup(fds[1]);
    spawn_error = setup.error();
    if (spawn_error == 0) {
      spawn_error =
          ::posix_spawn(&child->pid_, executable.c_str(), setup.actions(),
                        setup.attr(), argv.data(), envp.data());
    }
  }
  if (fds[1] >= 0) ::close(fds[1]);
  if (spawn_error != 0) {
    ::close(fds[0]);
    child->pid_ = -1;
    return CannotRun(program, spawn_error);
  }
  const int read_fd = fds[0];
  child->reader_ =
      std::thread([raw = child.get(), read_fd] { raw->ReadLoop(read_fd); });

  std::unique_lock<std::mutex> lock(child->mutex_);
  const bool ready = child->changed_.wait_for(lock, options.start_timeout, [&] {
    return child->eof_ || ParsePort(child->output_, child->marker_) != 0;
  });
  const int port = ParsePort(child->output_, child->marker_);
  if (!ready || port == 0) {
    std::string tail = child->output_;
    lock.unlock();
    child->Stop();
    return UnavailableError(
        program + (ready ? " exited" : " did not start in time") +
        " before printing \"" + options.port_marker + "<port>\"; its output: " +
        (tail.empty() ? std::string("(none)") : tail));
  }
  child->port_ = port;
  return child;
}

void ChildProcess::ReadLoop(int fd) {
  char buffer[4096];
  while (true) {
    pollfd fds[2] = {{fd, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[1].revents != 0) break;  // Stop gave up waiting for the end.
    const ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) break;
    std::lock_guard<std::mutex> lock(mutex_);
    output_.append(buffer, static_cast<std::size_t>(n));
    // Keep the head (it holds the port line) until the port is known.
    if (output_.size() > 2 * kTailBytes && port_ != 0) {
      output_.erase(0, output_.size() - kTailBytes);
    }
    changed_.notify_all();
  }
  ::close(fd);
  std::lock_guard<std::mutex> lock(mutex_);
  eof_ = true;
  changed_.notify_all();
}

bool ChildProcess::Reap() {
  std::lock_guard<std::mutex> lock(reap_mutex_);
  if (reaped_ || pid_ <= 0) return true;
  int status = 0;
  const pid_t r = ::waitpid(pid_, &status, WNOHANG);
  // ECHILD: already reaped by someone else (the host ignores SIGCHLD).
  if (r == pid_ || (r < 0 && errno == ECHILD)) reaped_ = true;
  return reaped_;
}

bool ChildProcess::WaitReaped(SteadyClock::time_point deadline) {
  std::chrono::milliseconds pause{1};
  while (!Reap()) {
    if (SteadyClock::now() >= deadline) return false;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(20));
  }
  return true;
}

bool ChildProcess::WaitEof(SteadyClock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mutex_);
  return changed_.wait_until(lock, deadline, [this] { return eof_; });
}

bool ChildProcess::running() { return !Reap(); }

std::string ChildProcess::output_tail() {
  std::lock_guard<std::mutex> lock(mutex_);
  return output_.size() > kTailBytes
             ? output_.substr(output_.size() - kTailBytes)
             : output_;
}

void ChildProcess::Stop() {
  std::lock_guard<std::mutex> stopping(stop_mutex_);
  // Signals only a child not yet reaped, under the lock that reaps it, so a
  // recycled pid is never signalled.
  auto signal = [this](int sig) {
    std::lock_guard<std::mutex> lock(reap_mutex_);
    if (reaped_ || pid_ <= 0) return false;
    // Its process group (set at spawn), and itself in case it left it.
    ::kill(-pid_, sig);
    ::kill(pid_, sig);
    return true;
  };
  if (!Reap() && signal(SIGTERM) &&
      !WaitReaped(SteadyClock::now() + stop_timeout_)) {
    signal(SIGKILL);
    WaitReaped(SteadyClock::time_point::max());  // SIGKILL is not ignored.
  }
  if (!reader_.joinable()) return;
  // The pipe ends when the last process holding it exits: descendants still
  // in the group get SIGKILL; one that left the group is abandoned.
  if (!WaitEof(SteadyClock::now() + kEofGrace)) {
    if (pid_ > 0) ::kill(-pid_, SIGKILL);
    if (!WaitEof(SteadyClock::now() + kEofAfterKill)) {
      const std::uint64_t one = 1;
      (void)!::write(wake_fd_, &one, sizeof(one));
    }
  }
  reader_.join();
}

ChildProcess::~ChildProcess() {
  Stop();
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

}  // namespace coven::util
