// coven init / coven export-secret
#include <iostream>
#include <sstream>

#include "cli/cli.h"
#include "coven/library.h"

namespace coven::cli {

void RegisterInit(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand(
      "init",
      "Create a library directory for this device.\n"
      "Without --join it starts a new library (new id and key); with --join "
      "it\n"
      "joins the library whose secret another device printed.");
  auto settings = std::make_shared<library::LibrarySettings>();
  auto dir = std::make_shared<std::string>();
  auto tables = std::make_shared<std::string>();
  auto join = std::make_shared<std::string>();
  cmd->add_option("--dir", *dir, "Library directory to create")->required();
  cmd->add_option("--home", settings->home_folder,
                  "Home folder shared by the devices (a local path, NAS mount "
                  "or synced folder)")
      ->required();
  cmd->add_option("--db", settings->database, "The app's SQLite database")
      ->required();
  cmd->add_option("--tables", *tables,
                  "Comma-separated tables to sync (each needs `id TEXT "
                  "PRIMARY KEY` and `_updated_at TEXT NOT NULL`)")
      ->required();
  cmd->add_option("--name", settings->device_name, "A label for this device");
  cmd->add_option("--join", *join,
                  "Join an existing library with the line printed by `coven "
                  "export-secret`");
  cmd->callback([=] {
    std::stringstream list(*tables);
    for (std::string t; std::getline(list, t, ',');) {
      if (!t.empty()) settings->tables.push_back(t);
    }
    auto created = library::CreateLibrary(*dir, *settings, *join);
    if (!created.ok()) {
      *exit_code = Fail(created.status());
      return;
    }
    std::cout << (join->empty() ? "created library " : "joined library ")
              << created->library_id << " in " << *dir << "\n"
              << "home: " << created->home_folder << "\n";
  });
}

void RegisterExportSecret(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand(
      "export-secret",
      "Print the line another device passes to `coven init --join`.\n"
      "It contains the library key: send it only over a private channel.");
  auto dir = std::make_shared<std::string>();
  cmd->add_option("--dir", *dir, "Library directory")->required();
  cmd->callback([=] {
    auto secret = library::ExportJoinSecret(*dir);
    if (!secret.ok()) {
      *exit_code = Fail(secret.status());
      return;
    }
    std::cout << *secret << "\n";
  });
}

}  // namespace coven::cli
