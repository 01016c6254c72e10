// coven sync / coven status
#include <ctime>
#include <iostream>

#include "cli/cli.h"
#include "coven/library.h"

namespace coven::cli {

void RegisterSync(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand(
      "sync",
      "Sync once: capture local writes, upload all of them (round after\n"
      "round when there are many), download and apply other devices'\n"
      "changes. Exit codes: 0 done; 3 the home could not be reached\n"
      "(nothing is lost, run it again later); 4 the home refuses access\n"
      "(this device removed or not admitted, a folder or bucket it may not\n"
      "read: fix that first); 5 a data\n"
      "problem: some device's objects wait (a gap in the home, a missing key,\n"
      "another app version: the `waiting:` lines say which and what to do),\n"
      "were quarantined, or the home held bytes this device did not write.");
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
    if (!stopped.ok()) {
      *exit_code = Fail(stopped);
    } else if (report->found_data_problem()) {
      // A data problem: some device's objects could not be applied, were
      // rejected, or the home held bytes this device did not write (the
      // lines above say what and what to do).
      std::cerr << "coven: the round found a data problem; see `coven "
                   "status`\n";
      *exit_code = 5;
    }
  });
}

namespace {

std::string UtcTime(std::int64_t ms) {
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%d %H:%M:%S UTC", &tm);
  return text;
}

// The home answered and refused access: this device removed or not
// admitted (a hub), a folder it may not read, HTTP 401/403, no S3
// credentials. Trying later does not help.
bool Refused(const Status& home) {
  return home.code() == StatusCode::kPermissionDenied ||
         home.code() == StatusCode::kUnauthenticated;
}

std::string HomeState(const Status& home) {
  if (home.ok()) return "reachable";
  if (Refused(home)) return "REFUSES ACCESS: " + home.message();
  return "NOT REACHABLE: " + home.message();
}

}  // namespace

void RegisterStatus(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand(
      "status",
      "Show this device's identity, home, queue and problems. Exit codes:\n"
      "0 all well; 3 the home cannot be reached or uploads fail; 4 the home\n"
      "refuses access (this device removed or not admitted, a folder or\n"
      "bucket it may not read); 5 a data problem: an ALARM (tampering, a\n"
      "rolled-back or forked home), devices whose objects wait, a current\n"
      "library key this device does not hold, or quarantined objects.");
  auto dir = std::make_shared<std::string>();
  auto acknowledge = std::make_shared<bool>(false);
  cmd->add_option("--dir", *dir, "Library directory")->required();
  cmd->add_flag("--acknowledge", *acknowledge,
                "Clear the tampering, rolled-back-head and put-back "
                "member-log alarms after reading them (other member-log "
                "alarms clear themselves)");
  cmd->callback([=] {
    auto lib = library::OpenLibrary(*dir);
    if (!lib.ok()) {
      *exit_code = Fail(lib.status());
      return;
    }
    if (*acknowledge) {
      for (const auto& alarm : lib->manager->status().alarms) {
        std::cout << "acknowledged: " << alarm << "\n";
      }
      Status cleared = lib->manager->acknowledge_alarms();
      if (!cleared.ok()) {
        *exit_code = Fail(cleared);
        return;
      }
    }
    auto flushed = lib->manager->flush();
    auto status = lib->manager->status();
    Status home = lib->manager->check_home();
    std::cout << "library   " << lib->settings.library_id << "\n"
              << "device    " << status.device_id << " ("
              << lib->settings.device_name << ")\n"
              << "home      " << lib->settings.home_folder << " ("
              << HomeState(home) << ")\n"
              << "database  " << lib->settings.database << "\n"
              << "tables    ";
    for (const auto& t : lib->settings.tables) std::cout << t << " ";
    std::cout << "\nqueued    " << status.pending_objects
              << " object(s) waiting for upload\n";
    if (!status.pending_error.empty()) {
      std::cout << "          the last upload failed: " << status.pending_error
                << "\n";
    }
    if (!flushed.ok())
      std::cout << "capture   " << flushed.status().message() << "\n";
    std::cout << "member    " << status.member_id << " ("
              << (status.role.empty() ? "not a member" : status.role)
              << "), member log " << status.member_log_size << " entries\n"
              << "member key "
              << (status.member_key_here
                      ? "on this device (a stolen device is the whole member; "
                        "`coven restore-code` moves it into a code)"
                      : "not on this device (it syncs with its device key)")
              << "\n"
              << "fingerprint " << status.fingerprint << "\n";
    for (const auto& alarm : status.alarms) {
      std::cout << "ALARM     " << alarm << "\n";
    }
    for (const auto& w : status.waiting) {
      std::cout << "WAITING   device " << w.device_id << " at seq " << w.seq
                << " since " << UtcTime(w.since_ms) << ": " << w.reason << "\n";
    }
    if (!status.missing_key.empty()) {
      std::cout << "WAITING   " << status.missing_key << "\n";
    }
    std::cout << "quarantined " << status.quarantined.size() << " object(s)\n";
    for (const auto& q : status.quarantined)
      std::cout << "  " << q.reason << "\n";
    lib->manager->stop().IgnoreError();
    if (Refused(home)) {
      *exit_code = 4;
    } else if (!home.ok() || !status.pending_error.empty()) {
      *exit_code = 3;
    } else if (!status.alarms.empty() || !status.waiting.empty() ||
               !status.missing_key.empty() || !status.quarantined.empty()) {
      *exit_code = 5;
    }
  });
}

}  // namespace coven::cli
