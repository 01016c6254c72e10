// coven init / join / restore / restore-code
#include <iostream>
#include <sstream>

#include "cli/cli.h"
#include "coven/library.h"

namespace coven::cli {

namespace {

// Creates the library from `code` (may be empty), then syncs once so the
// device is enrolled and holds the keys.
void CreateAndSync(const std::string& dir, library::LibrarySettings settings,
                   const std::string& code, const std::string& passphrase,
                   const char* verb, int* exit_code) {
  auto created = library::CreateLibrary(dir, settings, code, passphrase);
  if (!created.ok()) {
    *exit_code = Fail(created.status());
    return;
  }
  std::cout << verb << " library " << created->library_id << " in " << dir
            << "\nhome: " << created->home_folder << "\n";
  auto lib = library::OpenLibrary(dir);
  if (!lib.ok()) {
    *exit_code = Fail(lib.status());
    return;
  }
  auto report = lib->manager->sync_now();
  if (report.ok()) {
    PrintReport(*report);
    std::cout << "fingerprint " << lib->manager->fingerprint() << "\n";
  }
  Status stopped = lib->manager->stop();
  if (!report.ok()) {
    *exit_code = Fail(report.status().Annotate(
        "the library directory is ready, but the first sync failed; run "
        "`coven sync` later"));
  } else if (!stopped.ok()) {
    *exit_code = Fail(stopped);
  }
}

std::vector<std::string> SplitTables(const std::string& tables) {
  std::vector<std::string> out;
  std::stringstream list(tables);
  for (std::string t; std::getline(list, t, ',');) {
    if (!t.empty()) out.push_back(t);
  }
  return out;
}

}  // namespace

void RegisterInit(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand(
      "init",
      "Start a new library in a new directory: a new library id and key, "
      "this\nperson as its Owner and this device as its first device.");
  auto settings = std::make_shared<library::LibrarySettings>();
  auto dir = std::make_shared<std::string>();
  auto tables = std::make_shared<std::string>();
  cmd->add_option("--dir", *dir, "Library directory to create")->required();
  cmd->add_option("--home", settings->home_folder,
                  "Home shared by the devices: a folder (local path, NAS "
                  "mount, synced folder) or a URL (s3://, webdav://, "
                  "rclone://; see docs/homes.md)")
      ->required();
  cmd->add_option("--db", settings->database, "The app's SQLite database")
      ->required();
  cmd->add_option("--tables", *tables,
                  "Comma-separated tables to sync (each needs `id TEXT "
                  "PRIMARY KEY` and `_updated_at TEXT NOT NULL`)")
      ->required();
  cmd->add_option("--name", settings->device_name, "A label for this device");
  cmd->callback([=] {
    settings->tables = SplitTables(*tables);
    CreateAndSync(*dir, *settings, "", "", "created", exit_code);
  });

  for (const char* name : {"join", "restore"}) {
    const bool restore = std::string(name) == "restore";
    auto* sub = app.add_subcommand(
        name, restore ? "Restore this member on a new device from a restore "
                        "code (`coven restore-code`),\ninto a new directory."
                      : "Join a library with the invite code an Admin "
                        "printed for this directory's\n`coven identity`.");
    auto code = std::make_shared<std::string>();
    auto passphrase = std::make_shared<std::string>();
    auto join_settings = std::make_shared<library::LibrarySettings>();
    auto join_tables = std::make_shared<std::string>();
    auto join_dir = std::make_shared<std::string>();
    sub->add_option("code", *code,
                    restore ? "The restore code (CVR1-...)"
                            : "The invite code (CVI1-...)")
        ->required();
    sub->add_option("--dir", *join_dir, "Library directory")->required();
    sub->add_option("--db", join_settings->database,
                    "This device's copy of the app's SQLite database")
        ->required();
    sub->add_option("--home", join_settings->home_folder,
                    "The home folder as this device sees it (default: the "
                    "one in the code)");
    sub->add_option("--tables", *join_tables,
                    "Tables to sync (default: the ones in the code)");
    sub->add_option("--name", join_settings->device_name, "Device label");
    if (restore) {
      sub->add_option("--passphrase", *passphrase,
                      "The restore code's passphrase, if it has one");
    }
    sub->callback([=] {
      join_settings->tables = SplitTables(*join_tables);
      CreateAndSync(*join_dir, *join_settings, *code, *passphrase,
                    restore ? "restored" : "joined", exit_code);
    });
  }
}

void RegisterExportSecret(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand(
      "restore-code",
      "Print a code that restores this member on a new device (`coven "
      "restore`).\nIt holds the member's secret key: keep it like a "
      "password, or protect it\nwith --passphrase (Argon2id).");
  auto dir = std::make_shared<std::string>();
  auto passphrase = std::make_shared<std::string>();
  cmd->add_option("--dir", *dir, "Library directory")->required();
  cmd->add_option("--passphrase", *passphrase, "Protect the code with this");
  cmd->callback([=] {
    auto code = library::ExportJoinSecret(*dir, *passphrase);
    if (!code.ok()) {
      *exit_code = Fail(code.status());
      return;
    }
    std::cout << *code << "\n";
  });
}

}  // namespace coven::cli
