// The README's quick start, compiled so that it cannot drift from the API.
// Usage: quickstart <library id: 32 hex digits> <home folder>
#include <sqlite3.h>

#include <filesystem>
#include <iostream>

#include "coven/builtins.h"
#include "coven/db.h"
#include "coven/encryption.h"
#include "coven/keys.h"
#include "coven/session.h"
#include "coven/sync_manager.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: quickstart <library id (32 hex)> <home folder>\n";
    return 2;
  }
  const std::string library_id = argv[1];
  // 0. Once, first: the network homes (s3, webdav, rclone) and the OS
  // keyring join coven's core.
  coven::RegisterBuiltins();

  // 1. Your database, with coven's bookkeeping tables beside your schema.
  auto db = coven::db::SqliteSyncDb::Open("todos.db").value();
  db->Write([](sqlite3* c) {
    return sqlite3_exec(c,
                        "CREATE TABLE IF NOT EXISTS todos ("
                        " id TEXT PRIMARY KEY, title TEXT NOT NULL,"
                        " completed INTEGER NOT NULL DEFAULT 0,"
                        " _updated_at TEXT NOT NULL)",
                        nullptr, nullptr, nullptr);
  });
  coven::sync::session::set_synced_tables({"todos"});

  // 2. Keys and configuration.
  const bool starting = !std::filesystem::exists("keys");  // first run
  coven::keys::KeyService key_service(/*dev_mode=*/false, library_id, "keys");
  auto key = key_service.get_or_create_encryption_key().value();
  coven::encryption::EncryptionService encryption(key);
  auto config = coven::config::Config::with_defaults(
      ".", "laptop",
      coven::config::CloudHomeConfig{coven::config::CloudProvider::kLocal,
                                     std::nullopt, std::string(argv[2])});
  // Once, when the library starts: make the home and mark it as this
  // library's. Later runs never recreate it: a home that is not mounted is
  // reported (kUnavailable) instead.
  if (starting) {
    coven::Status made = coven::config::CreateHome(config, library_id);
    if (!made.ok()) {
      std::cerr << made.ToString() << "\n";
      return 1;
    }
  }

  // 3. The manager captures writes on db's connection and syncs them.
  auto manager = coven::sync::sync_manager::SyncManager::Create(
                     [config] { return config; }, key_service, encryption, db,
                     std::make_shared<coven::clock::SystemClock>())
                     .value();
  manager->start_sync();

  // 4. Write as usual; stamp rows with coven_hlc().
  db->Write([](sqlite3* c) {
    return sqlite3_exec(c,
                        "INSERT OR REPLACE INTO todos VALUES "
                        "('t1', 'buy milk', 0, coven_hlc())",
                        nullptr, nullptr, nullptr);
  });
  manager->trigger_sync();

  coven::Status stopped = manager->stop();
  std::cout << (stopped.ok() ? "synced" : stopped.ToString()) << "\n";
  return stopped.ok() ? 0 : 1;
}
