// coven watch
#include <csignal>
#include <iostream>
#include <thread>

#include "cli/cli.h"
#include "coven/library.h"

namespace coven::cli {

namespace {

volatile std::sig_atomic_t g_stop = 0;

class PrintingObserver : public sync::sync_manager::SyncObserver {
 public:
  void on_rows_changed(const std::vector<changeset::RowChange>& rows) override {
    for (const auto& row : rows) {
      std::cout << (row.op == changeset::RowChange::Op::kDelete ? "deleted "
                                                                : "changed ")
                << row.table << "/" << row.id << "\n";
    }
    std::cout.flush();
  }
  void on_round(const sync::sync_manager::SyncReport& report,
                const Status& status) override {
    if (!status.ok()) {
      std::cout << "sync failed, will retry: " << status.message() << "\n";
    } else if (report.pushed_objects || report.pulled_objects ||
               report.quarantined) {
      PrintReport(report);
    }
    std::cout.flush();
  }
};

}  // namespace

void RegisterWatch(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand(
      "watch",
      "Sync continuously until interrupted (Ctrl-C), printing changed rows.\n"
      "Polls the home every --interval seconds and backs off while it fails.");
  auto dir = std::make_shared<std::string>();
  auto interval = std::make_shared<double>(2.0);
  auto seconds = std::make_shared<double>(0);
  cmd->add_option("--dir", *dir, "Library directory")->required();
  cmd->add_option("--interval", *interval, "Seconds between polls (default 2)");
  cmd->add_option("--for", *seconds, "Stop after this many seconds (0: never)");
  cmd->callback([=] {
    auto observer = std::make_shared<PrintingObserver>();
    auto settings = library::ReadSettings(*dir);
    if (!settings.ok()) {
      *exit_code = Fail(settings.status());
      return;
    }
    auto lib = library::OpenLibrary(*dir, "", observer);
    if (!lib.ok()) {
      *exit_code = Fail(lib.status());
      return;
    }
    std::signal(SIGINT, [](int) { g_stop = 1; });
    std::signal(SIGTERM, [](int) { g_stop = 1; });
    std::cout << "watching " << *dir << " (Ctrl-C to stop)\n";
    std::cout.flush();
    auto start = std::chrono::steady_clock::now();
    while (!g_stop) {
      auto report = lib->manager->sync_now();
      (void)report;  // printed by the observer
      for (int i = 0; i < static_cast<int>(*interval * 10) && !g_stop; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      if (*seconds > 0 && std::chrono::steady_clock::now() - start >
                              std::chrono::duration<double>(*seconds)) {
        break;
      }
    }
    Status stopped = lib->manager->stop();
    if (!stopped.ok()) *exit_code = Fail(stopped);
  });
}

}  // namespace coven::cli
