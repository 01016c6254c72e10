// coven: command-line client for coven libraries.
#include <iostream>

#include "cli/cli.h"

namespace coven::cli {

int ExitCode(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk:
      return 0;
    case StatusCode::kUnavailable:
    case StatusCode::kDeadlineExceeded:
    case StatusCode::kAborted:
      return 3;
    case StatusCode::kInvalidArgument:
    case StatusCode::kFailedPrecondition:
    case StatusCode::kAlreadyExists:
    case StatusCode::kNotFound:
    case StatusCode::kPermissionDenied:
    case StatusCode::kUnauthenticated:
      return 4;
    case StatusCode::kDataLoss:
      return 5;
    default:
      return 1;
  }
}

int Fail(const Status& status) {
  std::cerr << "coven: " << status.message() << "\n";
  return ExitCode(status);
}

void PrintReport(const sync::sync_manager::SyncReport& r) {
  std::cout << "captured " << r.flushed_rows << " row(s), pushed "
            << r.pushed_objects << " object(s), applied " << r.pulled_objects
            << " object(s) changing " << r.applied_rows << " row(s)";
  if (r.quarantined) std::cout << ", quarantined " << r.quarantined;
  std::cout << " [" << r.requests << " home request(s)]\n";
  for (const std::string& p : r.problems) std::cout << "  note: " << p << "\n";
  for (const std::string& w : r.waiting)
    std::cout << "  waiting: " << w << "\n";
}

}  // namespace coven::cli

int main(int argc, char** argv) {
  CLI::App app{
      "coven: end-to-end encrypted multi-writer sync for your SQLite "
      "database.\n"
      "\n"
      "A library directory holds one device's keys and settings. Start a "
      "library\n"
      "with `coven init`; a new person runs `coven identity`, an Admin runs\n"
      "`coven invite` with it, the person runs `coven join CODE`. Your other\n"
      "devices use `coven restore-code` / `coven restore`. Then `coven sync`\n"
      "(once) or `coven watch` (continuously). The home only ever receives\n"
      "sealed, signed objects."};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Help for every subcommand");
  int exit_code = 0;
  coven::cli::RegisterInit(app, &exit_code);
  coven::cli::RegisterExportSecret(app, &exit_code);
  coven::cli::RegisterMembers(app, &exit_code);
  coven::cli::RegisterStatus(app, &exit_code);
  coven::cli::RegisterSync(app, &exit_code);
  coven::cli::RegisterWatch(app, &exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return exit_code;
}
