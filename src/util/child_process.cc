#include "util/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>

extern char** environ;

namespace coven::util {
namespace {

constexpr std::size_t kTailBytes = 16 * 1024;

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

}  // namespace

Result<std::unique_ptr<ChildProcess>> ChildProcess::Start(
    ChildProcessOptions options) {
  if (options.argv.empty()) return InvalidArgumentError("no program to run");
  const std::string& program = options.argv[0];
  if (program.find('/') != std::string::npos &&
      ::access(program.c_str(), X_OK) != 0) {
    return NotFoundError("cannot run " + program + ": " + std::strerror(errno) +
                         "; install it (see scripts/install-deps.sh)");
  }
  // Everything the child needs is built before fork: after it, only
  // async-signal-safe calls.
  std::map<std::string, std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry(*e);
    const std::size_t eq = entry.find('=');
    if (eq != std::string::npos)
      env[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  for (auto& [name, value] : options.env) env[name] = value;
  std::vector<std::string> env_strings;
  for (auto& [name, value] : env) env_strings.push_back(name + "=" + value);
  std::vector<char*> envp, argv;
  for (std::string& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  for (std::string& s : options.argv) argv.push_back(s.data());
  argv.push_back(nullptr);

  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    return UnavailableError(std::string("pipe: ") + std::strerror(errno));
  }
  const pid_t parent = ::getpid();
  const bool stop_with_thread = options.stop_with_starting_thread;
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return UnavailableError(std::string("fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    if (stop_with_thread) {
      // Dies with the starting thread: a crashed test leaves no server.
      ::prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (::getppid() != parent) ::_exit(127);
    }
    ::setpgid(0, 0);
    ::dup2(fds[1], STDOUT_FILENO);
    ::dup2(fds[1], STDERR_FILENO);
    const int null_fd = ::open("/dev/null", O_RDONLY);
    if (null_fd >= 0) ::dup2(null_fd, STDIN_FILENO);
    ::execvpe(argv[0], argv.data(), envp.data());
    const char msg[] = "exec failed: program not found or not executable\n";
    (void)!::write(STDERR_FILENO, msg, sizeof(msg) - 1);
    ::_exit(127);
  }
  ::close(fds[1]);
  std::unique_ptr<ChildProcess> child(new ChildProcess());
  child->pid_ = pid;
  child->marker_ = options.port_marker;
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
    const ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    std::lock_guard<std::mutex> lock(mutex_);
    if (n <= 0) {
      eof_ = true;
      changed_.notify_all();
      break;
    }
    output_.append(buffer, static_cast<std::size_t>(n));
    // Keep the head (it holds the port line) until the port is known.
    if (output_.size() > 2 * kTailBytes && port_ != 0) {
      output_.erase(0, output_.size() - kTailBytes);
    }
    changed_.notify_all();
  }
  ::close(fd);
}

bool ChildProcess::running() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (reaped_ || pid_ <= 0) return false;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) == pid_) {
    reaped_ = true;
    return false;
  }
  return true;
}

std::string ChildProcess::output_tail() {
  std::lock_guard<std::mutex> lock(mutex_);
  return output_.size() > kTailBytes
             ? output_.substr(output_.size() - kTailBytes)
             : output_;
}

void ChildProcess::Stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (pid_ > 0 && !reaped_) {
      // Its process group (setpgid in Start), and itself in case the child
      // had not yet made the group.
      ::kill(-pid_, SIGTERM);
      ::kill(pid_, SIGTERM);
      int status = 0;
      bool exited = false;
      for (int i = 0; i < 500 && !exited; ++i) {  // Up to 5 s.
        const pid_t r = ::waitpid(pid_, &status, WNOHANG);
        exited = r == pid_ || (r < 0 && errno == ECHILD);
        if (!exited) ::usleep(10'000);
      }
      if (!exited) {
        ::kill(-pid_, SIGKILL);
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
      }
      reaped_ = true;
    }
  }
  if (reader_.joinable()) reader_.join();
}

ChildProcess::~ChildProcess() { Stop(); }

}  // namespace coven::util
