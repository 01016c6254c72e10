#include "e2e/devices.h"

#include <array>
#include <optional>
#include <utility>

#include "coven/bytes.h"
#include "coven/config.h"
#include "coven/encryption.h"
#include "coven/entropy.h"
#include "coven/folder_home.h"

namespace coven::bench {

sqlite3* OpenPlain(const fs::path& path, const Options& o) {
  sqlite3* db = nullptr;
  // The flags and settings of SqliteSyncDb::Open, except `synchronous`.
  Check(sqlite3_open_v2(
            path.c_str(), &db,
            SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
            nullptr) == SQLITE_OK,
        "open " + path.string());
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, 5000);
  Exec(db, Pragmas(o));
  return db;
}

Library MakeLibrary(std::uint64_t seed) {
  coven::SeededEntropy entropy(seed ^ 0x11b7a7ULL);
  std::array<std::uint8_t, 16> id{};
  entropy.Fill(id);
  Library library;
  library.id_hex = coven::HexEncode(id);
  entropy.Fill(library.key.bytes);
  entropy.Fill(library.member_seed);
  return library;
}

Device OpenDevice(const fs::path& db_path, const fs::path& home_root,
                  const Library& library, std::uint64_t seed, const Options& o,
                  bool first_sync) {
  Device d;
  // The host opens its connection (same flags and pragmas as the plain
  // SQLite runs) and hands it to coven with SqliteSyncDb::Wrap.
  d.conn = OpenPlain(db_path, o);
  Exec(d.conn, kSchema);
  auto db = coven::db::SqliteSyncDb::Wrap(d.conn);
  CheckStatus(db.status(), "wrapping " + db_path.string());
  d.db = *db;

  auto entropy = std::make_shared<coven::SeededEntropy>(seed);
  coven::keys::KeyService key_service(/*dev_mode=*/true, library.id_hex, "",
                                      entropy);
  CheckStatus(key_service.import_encryption_key(library.key), "importing key");
  CheckStatus(key_service.import_member_seed(library.member_seed),
              "importing the member seed");
  coven::encryption::EncryptionService encryption(library.key);
  auto home = coven::home::FolderHome::OpenOrCreate(home_root.string());
  CheckStatus(home.status(), "opening folder home");

  coven::config::Config config = coven::config::Config::with_defaults(
      "", "bench-" + std::to_string(seed), std::nullopt);
  config.home = *home;
  config.entropy = entropy;
  config.synced_tables = {"items"};
  auto manager = SyncManager::Create([config] { return config; }, key_service,
                                     encryption, d.db, nullptr);
  CheckStatus(manager.status(), "creating the sync manager");
  d.manager = std::move(*manager);
  // First flush: the bootstrap scan of an empty table, so that the timed
  // flushes below are ordinary ones.
  // One round founds the library (first device), so that flushes may
  // publish; a receiving device enrols in its first (timed) round instead.
  if (first_sync) CheckStatus(d.manager->sync_now().status(), "first sync");
  CheckStatus(d.manager->flush().status(), "initial flush");
  return d;
}

std::string ContentDigest(sqlite3* db) {
  return QueryText(
      db,
      "SELECT count(*) || '/' || total(length(id) + length(title) + "
      "ifnull(length(body), 0)) || '/' || total(qty) || '/' || "
      "printf('%.2f', total(price)) || '/' || "
      "(SELECT id FROM items ORDER BY id LIMIT 1) FROM items");
}

// Checkpoints, VACUUMs and returns the size of the database file.
std::uint64_t CompactedSize(const fs::path& path) {
  sqlite3* db = nullptr;
  Check(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) ==
            SQLITE_OK,
        "reopen " + path.string());
  Exec(db,
       "PRAGMA wal_checkpoint(TRUNCATE); VACUUM; PRAGMA "
       "wal_checkpoint(TRUNCATE);");
  sqlite3_close(db);
  return FileSize(path);
}

std::uint64_t DirectoryBytes(const fs::path& root, std::size_t* files) {
  std::uint64_t total = 0;
  *files = 0;
  for (auto it = fs::recursive_directory_iterator(root);
       it != fs::recursive_directory_iterator(); ++it) {
    if (it->is_directory() && it->path().filename() == ".tmp") {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file()) {
      total += it->file_size();
      ++*files;
    }
  }
  return total;
}

}  // namespace coven::bench
