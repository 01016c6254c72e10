// coven init, and the steps it shares with join and restore (cmd_join.cc).
#include <filesystem>
#include <iostream>
#include <sstream>

#include "cli/cli.h"
#include "cli/create_library.h"
#include "coven/library.h"

namespace coven::cli {

Status CheckBeforeCreate(const std::string& dir, const std::string& database,
                         const std::vector<std::string>& tables,
                         const char* verb) {
  if (std::filesystem::exists(dir + "/library.json")) {
    auto existing = library::ReadSettings(dir);
    return AlreadyExistsError(dir + " already holds " +
                              (existing.ok()
                                   ? "library " + existing->library_id +
                                         " (home " + existing->home_folder + ")"
                                   : std::string("a library")) +
                              ": to sync it, run `coven sync --dir " + dir +
                              "`; for another library, choose a new --dir");
  }
  std::error_code ec;
  const std::string abs_db = std::filesystem::absolute(database, ec).string();
  if (!std::filesystem::exists(database, ec)) {
    return FailedPreconditionError(
        "database file " + abs_db +
        " does not exist: coven syncs an existing SQLite database, so create "
        "it with the tables to sync (or fix --db), then run `coven " +
        std::string(verb) + "` again. Nothing was created.");
  }
  if (!tables.empty()) {
    Status checked = library::CheckDatabase(abs_db, tables);
    if (!checked.ok()) {
      return Status(checked.code(),
                    checked.message() + ". Nothing was created; run `coven " +
                        std::string(verb) + "` again once it is fixed.");
    }
  }
  return Status::Ok();
}

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
  } else if (report->found_data_problem()) {
    // Ready, but not everything could be applied: as `coven sync` says.
    std::cerr << "coven: the library directory is ready, but the first sync "
                 "found a data problem (the lines above say what and what to "
                 "do); see `coven status --dir "
              << dir << "`\n";
    *exit_code = 5;
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
                  "mount, synced folder) or a URL (hub://, s3://, "
                  "webdav://, webdavs://, rclone://; see docs/homes.md)")
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
    Status ready =
        CheckBeforeCreate(*dir, settings->database, settings->tables, "init");
    if (!ready.ok()) {
      *exit_code = Fail(ready);
      return;
    }
    CreateAndSync(*dir, *settings, "", "", "created", exit_code);
  });
}

}  // namespace coven::cli
