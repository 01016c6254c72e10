#include "coven/secret_input.h"

#include <sodium.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>

namespace coven::library {

namespace {

constexpr std::size_t kMaxSecretBytes = 64 * 1024;

void StripLineEnd(std::string* text) {
  while (!text->empty() && (text->back() == '\n' || text->back() == '\r')) {
    text->pop_back();
  }
}

Result<std::string> ReadFd(int fd) {
  std::string out;
  char c = 0;
  while (out.size() <= kMaxSecretBytes) {
    const ssize_t n = read(fd, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      return InvalidArgumentError("cannot read the secret from descriptor " +
                                  std::to_string(fd) + ": " +
                                  std::strerror(errno));
    }
    if (n == 0 || c == '\n') break;
    out.push_back(c);
  }
  if (out.size() > kMaxSecretBytes) {
    return InvalidArgumentError("the secret on descriptor " +
                                std::to_string(fd) + " is longer than 64 KiB");
  }
  StripLineEnd(&out);
  return out;
}

// Reads a line from the terminal on stdin with echo off.
Result<std::string> PromptNoEcho(const std::string& prompt) {
  std::cerr << prompt << std::flush;
  termios old_mode{};
  const bool have_mode = tcgetattr(STDIN_FILENO, &old_mode) == 0;
  if (have_mode) {
    termios quiet = old_mode;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  Result<std::string> line = ReadFd(STDIN_FILENO);
  if (have_mode) tcsetattr(STDIN_FILENO, TCSAFLUSH, &old_mode);
  std::cerr << "\n";
  return line;
}

}  // namespace

Result<std::string> ReadSecret(const SecretSource& source) {
  if (source.fd >= 0) {
    COVEN_ASSIGN_OR_RETURN(std::string value, ReadFd(source.fd));
    if (value.empty()) {
      return FailedPreconditionError("descriptor " + std::to_string(source.fd) +
                                     " gave an empty secret");
    }
    return value;
  }
  if (!source.env.empty()) {
    if (const char* value = std::getenv(source.env.c_str());
        value != nullptr && *value != '\0') {
      return std::string(value);
    }
  }
  if (!source.prompt.empty() && isatty(STDIN_FILENO)) {
    COVEN_ASSIGN_OR_RETURN(std::string value, PromptNoEcho(source.prompt));
    if (source.confirm) {
      COVEN_ASSIGN_OR_RETURN(std::string again, PromptNoEcho("Again: "));
      const bool same = again == value;
      sodium_memzero(again.data(), again.size());
      if (!same) return InvalidArgumentError("the two entries differ");
    }
    if (!value.empty()) return value;
  }
  return FailedPreconditionError(source.how);
}

std::string PassphraseOnCommandLineMessage(const std::string& fd_option) {
  return "--passphrase is refused: a passphrase on the command line is "
         "visible to every user of this machine; type it at the prompt, or "
         "pass it with " +
         fd_option + " N (e.g. " + fd_option + " 3 3<file) or in " +
         kRestorePassphraseEnv;
}

}  // namespace coven::library
