// Shared pieces of the `coven` command-line tool: one Register* function per
// subcommand (each in its own file) and the exit-code mapping.
#ifndef COVEN_CLI_CLI_H_
#define COVEN_CLI_CLI_H_

#include <CLI/CLI.hpp>
#include <string>

#include "coven/status.h"
#include "coven/sync_manager.h"

namespace coven::cli {

/// Exit codes: 0 ok, 1 other error, 2 usage, 3 retry later (home
/// unreachable), 4 refused (bad input, precondition), 5 data problem.
int ExitCode(const Status& status);

/// Prints "coven: <message>" to stderr and returns ExitCode(status).
int Fail(const Status& status);

/// Prints a round's report in human-readable lines.
void PrintReport(const sync::sync_manager::SyncReport& report);

/// Reports an unknown subcommand `name`, suggesting close ones; returns 2.
int UnknownCommand(const CLI::App& app, const std::string& name);

void RegisterInit(CLI::App& app, int* exit_code);
/// `coven join` and `coven restore`.
void RegisterJoin(CLI::App& app, int* exit_code);
void RegisterStatus(CLI::App& app, int* exit_code);
void RegisterSync(CLI::App& app, int* exit_code);
void RegisterWatch(CLI::App& app, int* exit_code);
void RegisterExportSecret(CLI::App& app, int* exit_code);
void RegisterMembers(CLI::App& app, int* exit_code);
void RegisterRebuildHome(CLI::App& app, int* exit_code);

}  // namespace coven::cli

#endif  // COVEN_CLI_CLI_H_
