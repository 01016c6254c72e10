// The steps `coven init`, `join` and `restore` share (cmd_init.cc).
#ifndef COVEN_CLI_CREATE_LIBRARY_H_
#define COVEN_CLI_CREATE_LIBRARY_H_

#include <string>
#include <vector>

#include "coven/library.h"
#include "coven/status.h"

namespace coven::cli {

/// Checks made before anything is written, in the CLI's words: `dir` holds
/// no library yet, and the database exists (with `tables`, when known).
Status CheckBeforeCreate(const std::string& dir, const std::string& database,
                         const std::vector<std::string>& tables,
                         const char* verb);

/// Creates the library from `code` (may be empty), then syncs once so the
/// device is enrolled and holds the keys; sets `*exit_code` on failure.
void CreateAndSync(const std::string& dir, library::LibrarySettings settings,
                   const std::string& code, const std::string& passphrase,
                   const char* verb, int* exit_code);

/// "a,b,,c" -> {"a", "b", "c"}.
std::vector<std::string> SplitTables(const std::string& tables);

}  // namespace coven::cli

#endif  // COVEN_CLI_CREATE_LIBRARY_H_
