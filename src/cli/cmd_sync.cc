// coven sync / coven status
#include <ctime>
#include <iostream>

#include "cli/cli.h"
#include "coven/library.h"

namespace coven::cli {

void RegisterSync(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand(
      "sync",
      "Run one sync round: capture local writes, upload them, download and\n"
      "apply other devices' changes. Exit code 3 means the home could not be\n"
      "reached; nothing is lost, run it again later.");
  auto dir = std::make_shared<std::string>();
  auto retry = std::make_shared<bool>(false);
  cmd->add_option("--dir", *dir, "Library directory")->required();
  cmd->add_flag("--retry-quarantined", *retry,
                "Also fetch quarantined objects again and apply those that "
                "now pass every check");
  cmd->callback([=] {
    auto lib = library::OpenLibrary(*dir);
    if (!lib.ok()) {
      *exit_code = Fail(lib.status());
      return;
    }
    if (*retry) {
      auto retried = lib->manager->retry_quarantined();
      if (!retried.ok()) {
        *exit_code = Fail(retried.status());
        return;
      }
      std::cout << "retried quarantined objects: applied "
                << retried->pulled_objects << "\n";
      for (const auto& p : retried->problems)
        std::cout << "  note: " << p << "\n";
    }
    auto report = lib->manager->sync_now();
    Status stopped = lib->manager->stop();
    if (!report.ok()) {
      *exit_code = Fail(report.status());
      return;
    }
    PrintReport(*report);
    if (!stopped.ok()) *exit_code = Fail(stopped);
  });
}

void RegisterStatus(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand(
      "status", "Show this device's identity, home, queue and problems.");
  auto dir = std::make_shared<std::string>();
  cmd->add_option("--dir", *dir, "Library directory")->required();
  cmd->callback([=] {
    auto lib = library::OpenLibrary(*dir);
    if (!lib.ok()) {
      *exit_code = Fail(lib.status());
      return;
    }
    auto flushed = lib->manager->flush();
    auto status = lib->manager->status();
    std::cout << "library   " << lib->settings.library_id << "\n"
              << "device    " << status.device_id << " ("
              << lib->settings.device_name << ")\n"
              << "home      folder " << lib->settings.home_folder << "\n"
              << "database  " << lib->settings.database << "\n"
              << "tables    ";
    for (const auto& t : lib->settings.tables) std::cout << t << " ";
    std::cout << "\nqueued    " << status.pending_objects
              << " object(s) waiting for upload\n";
    if (!flushed.ok())
      std::cout << "capture   " << flushed.status().message() << "\n";
    std::cout << "member    " << status.member_id << " ("
              << (status.role.empty() ? "not a member" : status.role)
              << "), member log " << status.member_log_size << " entries\n"
              << "fingerprint " << status.fingerprint << "\n";
    for (const auto& alarm : status.alarms) {
      std::cout << "ALARM     " << alarm << "\n";
    }
    std::cout << "quarantined " << status.quarantined.size() << " object(s)\n";
    for (const auto& q : status.quarantined)
      std::cout << "  " << q.reason << "\n";
    lib->manager->stop().IgnoreError();
    if (!status.alarms.empty()) *exit_code = 5;
  });
}

}  // namespace coven::cli
