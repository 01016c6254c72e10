// coven: command-line client for coven libraries.
#include <algorithm>
#include <iostream>
#include <string>
#include <vector>

#include "cli/cli.h"
#include "coven/builtins.h"
#ifdef COVEN_WITH_HUB
#include "coven/hub_home.h"
#endif

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
  for (const std::string& a : r.alarms) std::cout << "  ALARM: " << a << "\n";
  for (const std::string& p : r.problems) std::cout << "  note: " << p << "\n";
  for (const std::string& w : r.waiting)
    std::cout << "  waiting: " << w << "\n";
}

namespace {

// Edit distance (insertions, deletions, substitutions, transpositions).
std::size_t Distance(const std::string& a, const std::string& b) {
  std::vector<std::vector<std::size_t>> d(
      a.size() + 1, std::vector<std::size_t>(b.size() + 1, 0));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1,
                          d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

}  // namespace

int UnknownCommand(const CLI::App& app, const std::string& name) {
  std::vector<std::string> close;
  for (const CLI::App* sub : app.get_subcommands({})) {
    const std::string& known = sub->get_name();
    const bool prefix = name.size() >= 3 && (known.rfind(name, 0) == 0 ||
                                             name.rfind(known, 0) == 0);
    if (prefix ||
        Distance(name, known) <= std::max<std::size_t>(1, known.size() / 3)) {
      close.push_back("`coven " + known + "`");
    }
  }
  std::cerr << "coven: unknown command `" << name << "`";
  if (!close.empty()) {
    std::cerr << "; did you mean ";
    for (std::size_t i = 0; i < close.size(); ++i) {
      std::cerr << (i == 0                  ? ""
                    : i + 1 == close.size() ? " or "
                                            : ", ")
                << close[i];
    }
    std::cerr << "?";
  } else {
    std::cerr << ".";
  }
  std::cerr << " Run `coven --help` for the list of commands.\n";
  return 2;
}

}  // namespace coven::cli

int main(int argc, char** argv) {
  coven::RegisterBuiltins();  // s3, webdav, rclone homes; the OS keyring
#ifdef COVEN_WITH_HUB
  coven::hub::RegisterHubHome();  // hub:// homes (coven-hub)
#endif
  CLI::App app{
      "coven: end-to-end encrypted multi-writer sync for your SQLite "
      "database.\n"
      "\n"
      "A library directory holds one device's keys and settings. Start a "
      "library\n"
      "with `coven init`; a new person runs `coven identity`, an Admin runs\n"
      "`coven invite` with it, the person runs `coven join CODE`. Your other\n"
      "devices use `coven restore-code` / `coven restore` (the member key\n"
      "then lives in the code; a lost device is removed with `coven\n"
      "remove-device`). Then `coven sync` (once) or `coven watch`\n"
      "(continuously). The home only ever receives sealed, signed objects\n"
      "(and a marker naming the library id)."};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Help for every subcommand");
  int exit_code = 0;
  coven::cli::RegisterInit(app, &exit_code);
  coven::cli::RegisterJoin(app, &exit_code);
  coven::cli::RegisterExportSecret(app, &exit_code);
  coven::cli::RegisterMembers(app, &exit_code);
  coven::cli::RegisterStatus(app, &exit_code);
  coven::cli::RegisterSync(app, &exit_code);
  coven::cli::RegisterWatch(app, &exit_code);
  coven::cli::RegisterRebuildHome(app, &exit_code);
  // A first argument that is not an option must name a subcommand; CLI11
  // would only say that one is required.
  if (argc == 1) {
    std::cerr << "coven: no command given. Run `coven --help` for the list "
                 "of commands.\n";
    return 2;
  }
  if (argv[1][0] != '-' && app.get_subcommands([&](CLI::App* sub) {
                                return sub->get_name() == argv[1];
                              })
                               .empty()) {
    return coven::cli::UnknownCommand(app, argv[1]);
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // Help prints and exits 0; every usage error exits 2 (see cli.h).
    return app.exit(e) == 0 ? 0 : 2;
  }
  return exit_code;
}
