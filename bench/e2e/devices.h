// The databases under test: the host's insert statement and plain
// connection, a coven device in this process (the approach of
// tests/test_device.cc), and their content and sizes.
#ifndef COVEN_BENCH_E2E_DEVICES_H_
#define COVEN_BENCH_E2E_DEVICES_H_

#include <sqlite3.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "coven/db.h"
#include "coven/keys.h"
#include "coven/sync_manager.h"
#include "e2e/options.h"
#include "e2e/rows.h"
#include "e2e/util.h"

namespace coven::bench {

namespace fs = std::filesystem;
using coven::sync::sync_manager::SyncManager;

// Host writes, shared by plain SQLite and coven (defined here, inline, so
// that both sides insert through the same code).
struct Inserter {
  sqlite3_stmt* stmt = nullptr;
  bool stamp_by_coven = false;
  Inserter(sqlite3* db, bool coven) : stamp_by_coven(coven) {
    const char* sql =
        coven ? "INSERT INTO items(id, title, body, qty, price, _updated_at) "
                "VALUES(?, ?, ?, ?, ?, coven_hlc())"
              : "INSERT INTO items(id, title, body, qty, price, _updated_at) "
                "VALUES(?, ?, ?, ?, ?, ?)";
    Check(sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) == SQLITE_OK,
          std::string("prepare insert: ") + sqlite3_errmsg(db));
  }
  ~Inserter() { sqlite3_finalize(stmt); }
  void Insert(const Row& r) {
    sqlite3_bind_text(stmt, 1, r.id.data(), static_cast<int>(r.id.size()),
                      SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, r.title.data(), static_cast<int>(r.title.size()),
                      SQLITE_STATIC);
    if (r.body) {
      sqlite3_bind_text(stmt, 3, r.body->data(),
                        static_cast<int>(r.body->size()), SQLITE_STATIC);
    } else {
      sqlite3_bind_null(stmt, 3);
    }
    sqlite3_bind_int64(stmt, 4, r.qty);
    sqlite3_bind_double(stmt, 5, r.price);
    if (!stamp_by_coven) {
      sqlite3_bind_text(stmt, 6, r.stamp.data(),
                        static_cast<int>(r.stamp.size()), SQLITE_STATIC);
    }
    int rc = sqlite3_step(stmt);
    if (rc != SQLITE_DONE) {
      Die(std::string("insert failed: ") +
          sqlite3_errmsg(sqlite3_db_handle(stmt)));
    }
    sqlite3_reset(stmt);
  }
};

// Opens `path` with the flags and settings of SqliteSyncDb::Open, except
// `synchronous` (Pragmas(o)).
sqlite3* OpenPlain(const fs::path& path, const Options& o);

struct Library {
  std::string id_hex;
  coven::keys::EncryptionKey key;
  /// Both bench devices are devices of this one member (the Owner).
  std::array<std::uint8_t, 32> member_seed{};
};

// A library (id and encryption key) derived from `seed`.
Library MakeLibrary(std::uint64_t seed);

struct Device {
  sqlite3* conn = nullptr;  // opened exactly like the plain connection
  std::shared_ptr<coven::db::SqliteSyncDb> db;
  std::unique_ptr<SyncManager> manager;

  sqlite3* raw() { return conn; }

  // Stops capture (flushing) and closes the database.
  void Close() {
    if (manager) CheckStatus(manager->stop(), "stopping the sync manager");
    manager.reset();
    db.reset();
    if (conn) sqlite3_close(conn);
    conn = nullptr;
  }
};

// Opens a device on `db_path` (schema created) syncing through the folder
// home at `home_root`, and runs its first (bootstrap) flush.
Device OpenDevice(const fs::path& db_path, const fs::path& home_root,
                  const Library& library, std::uint64_t seed, const Options& o,
                  bool first_sync = true);

// A digest of the synced content that ignores `_updated_at`.
std::string ContentDigest(sqlite3* db);

// Checkpoints, VACUUMs and returns the size of the database file.
std::uint64_t CompactedSize(const fs::path& path);

// Bytes and number of files under `root`, skipping `.tmp` directories.
std::uint64_t DirectoryBytes(const fs::path& root, std::size_t* files);

}  // namespace coven::bench

#endif  // COVEN_BENCH_E2E_DEVICES_H_
