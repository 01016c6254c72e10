// Reading a restore code's passphrase or recovery secret without putting it
// on the command line (where other users of the machine can read it in the
// process list): from a file descriptor, an environment variable, or a
// prompt that does not echo. Used by `coven` and `todos`.
//
// Thread safety: not thread-safe (changes the terminal's echo setting).
#ifndef COVEN_SECRET_INPUT_H_
#define COVEN_SECRET_INPUT_H_

#include <string>

#include "coven/status.h"

namespace coven::library {

/// Environment variable holding a restore code's passphrase.
inline constexpr const char* kRestorePassphraseEnv = "COVEN_RESTORE_PASSPHRASE";
/// Environment variable holding a restore code's recovery secret.
inline constexpr const char* kRecoverySecretEnv = "COVEN_RECOVERY_SECRET";

struct SecretSource {
  int fd = -1;           ///< Read from this descriptor when >= 0.
  std::string env;       ///< Else from this environment variable if set.
  std::string prompt;    ///< Else ask on the terminal (stdin a TTY).
  bool confirm = false;  ///< Ask twice at the prompt; they must match.
  /// Said when no source gives a value, e.g. "pass it with --secret-fd N".
  std::string how;
};

/// Reads one secret: the first line of `fd` (up to 64 KiB, without the
/// line end), else the variable `env`, else a no-echo prompt on the
/// terminal. kFailedPrecondition naming `how` when none gives a value;
/// kInvalidArgument for an unreadable descriptor or a prompt mismatch.
Result<std::string> ReadSecret(const SecretSource& source);

/// What a restore code needs besides itself.
enum class RestoreSecretKind {
  kNone,            ///< An old code with the seed in clear.
  kRecoverySecret,  ///< Its recovery secret, "CVK1-...".
  kPassphrase,      ///< Its passphrase.
};
/// Parses `code` (kInvalidArgument for a mistyped one) and says what else
/// restoring from it needs.
Result<RestoreSecretKind> RestoreCodeSecretKind(const std::string& code);

/// The text of kInvalidArgument for `--passphrase VALUE` on the command
/// line: how to pass a passphrase instead (`fd_option`, e.g.
/// "--passphrase-fd", names the program's descriptor option).
std::string PassphraseOnCommandLineMessage(
    const std::string& fd_option = "--passphrase-fd");

}  // namespace coven::library

#endif  // COVEN_SECRET_INPUT_H_
