// coven rebuild-home: a home that was really lost (deleted, or a new empty
// bucket) is written again from this device's verified copies.
#include <iostream>

#include "cli/cli.h"
#include "coven/library.h"

namespace coven::cli {

void RegisterRebuildHome(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand(
      "rebuild-home",
      "Rebuild a home that was really lost (deleted, or replaced by a new\n"
      "empty folder or bucket) from this device: its marker, the member log,\n"
      "this device's own objects and the current library key's wraps. Every\n"
      "other device puts back its own objects when it next syncs. Only an\n"
      "empty home is rebuilt, and only with --confirm (without it, says what\n"
      "it would do). Exit codes as `coven sync`; 4 when the home is not\n"
      "empty or not there.");
  auto dir = std::make_shared<std::string>();
  auto confirm = std::make_shared<bool>(false);
  cmd->add_option("--dir", *dir, "Library directory")->required();
  cmd->add_flag("--confirm", *confirm,
                "Write into the home (check first that it is the right path "
                "and that its drive is mounted)");
  cmd->callback([=] {
    auto lib = library::OpenLibrary(*dir);
    if (!lib.ok()) {
      *exit_code = Fail(lib.status());
      return;
    }
    const std::uint64_t verified = lib->manager->status().member_log_size;
    if (verified == 0) {
      lib->manager->stop().IgnoreError();
      *exit_code = Fail(FailedPreconditionError(
          "this device has no verified copy of the library's member log (it "
          "never synced): it cannot rebuild the home. Run this on a device "
          "that synced before"));
      return;
    }
    Result<bool> marked = library::MarkLostHome(*lib, *dir, *confirm);
    if (!marked.ok()) {
      lib->manager->stop().IgnoreError();
      *exit_code = Fail(marked.status());
      return;
    }
    const std::string& home = lib->settings.home_folder;
    if (!*marked) {
      std::cout << "the home " << home
                << " has this library's marker: nothing to rebuild. `coven "
                   "sync` on each device puts back what it lost.\n";
    } else if (!*confirm) {
      std::cout << "the home " << home
                << " is empty. This device can rebuild it: the marker, the "
                   "member log ("
                << verified
                << " entries), this device's own objects and the current "
                   "library key's wraps; every other device then puts back "
                   "its own objects when it syncs. If the home is on a drive "
                   "or share, make sure it is mounted (an unmounted drive's "
                   "mount point is empty too). Then run this again with "
                   "--confirm.\n";
      lib->manager->stop().IgnoreError();
      *exit_code = 4;
      return;
    }
    if (!*marked) {
      lib->manager->stop().IgnoreError();
      return;
    }
    auto report = lib->manager->sync_now();
    Status stopped = lib->manager->stop();
    if (!report.ok()) {
      *exit_code = Fail(report.status().Annotate(
          "the marker is written, but the round that puts the rest back "
          "failed; run `coven sync --dir " +
          *dir + "`"));
      return;
    }
    PrintReport(*report);
    if (!stopped.ok()) {
      *exit_code = Fail(stopped);
      return;
    }
    std::cout << "rebuilt the home " << home
              << " from this device. Run `coven sync` on every other device: "
                 "each puts back its own objects. A rolled-back member log "
                 "ALARM from this round is expected (the home lost it); "
                 "`coven status --acknowledge` clears it.\n";
    // Not found_data_problem(): the rolled-back member log alarm of this
    // round is expected (said above).
    if (!report->waiting.empty() || report->quarantined > 0) *exit_code = 5;
  });
}

}  // namespace coven::cli
