// coven_flush_memory: measures the peak memory of one large flush, in a
// process of its own so that the figure covers nothing else (used by
// tests/large_flush_test.cc).
//
//   coven_flush_memory DIR ROWS txn       # ROWS rows in one host
//                                         # transaction, then a flush
//   coven_flush_memory DIR ROWS backfill  # ROWS rows that exist before the
//                                         # library does; its first flush
//   coven_flush_memory DIR ROWS statements  # as txn, but one statement,
//                                         # prepared afresh, per row
//
// Prints one line: rows=<flushed> objects=<log objects> largest=<bytes>
// max_rss_kb=<peak resident set of the whole process, getrusage>
// flush_ms=<time of the flush, txn only>.
#include <sqlite3.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>

#include "coven/library.h"

namespace {

constexpr const char* kSchema =
    "CREATE TABLE IF NOT EXISTS items (id TEXT PRIMARY KEY, title TEXT NOT "
    "NULL, n INTEGER NOT NULL, _updated_at TEXT NOT NULL);";

int Die(const std::string& what) {
  std::cerr << "coven_flush_memory: " << what << "\n";
  return 1;
}

// ROWS rows of about 90 bytes each, stamped with `stamp_sql`.
std::string InsertRows(long rows, const std::string& stamp_sql) {
  return "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c "
         "WHERE i < " +
         std::to_string(rows) +
         ") INSERT INTO items SELECT printf('%08d-4a1c-9f7e-%012d', i, i * "
         "7919), 'item ' || i || ' of a large transaction', i, " +
         stamp_sql + " FROM c;";
}

void Mark(const char* what) {
  if (!std::getenv("FLUSH_MEMORY_DEBUG")) return;
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  std::cerr << what << ": max_rss_kb=" << usage.ru_maxrss << "\n";
}

int Exec(sqlite3* db, const std::string& sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::cerr << "coven_flush_memory: " << (err ? err : "sqlite error") << "\n";
  }
  sqlite3_free(err);
  return rc;
}

// The rows of InsertRows, one INSERT statement (a new string, so prepared
// afresh) per row, in one transaction.
int InsertOneByOne(sqlite3* db, long rows) {
  if (Exec(db, "BEGIN") != SQLITE_OK) return SQLITE_ERROR;
  char sql[200];
  for (long i = 1; i <= rows; ++i) {
    std::snprintf(sql, sizeof sql,
                  "INSERT INTO items VALUES('%08ld-4a1c-9f7e-%012ld', 'item "
                  "%ld of a large transaction', %ld, coven_hlc())",
                  i, i * 7919, i, i);
    if (Exec(db, sql) != SQLITE_OK) return SQLITE_ERROR;
  }
  return Exec(db, "COMMIT");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    return Die("usage: coven_flush_memory DIR ROWS txn|backfill|statements");
  }
  const std::string dir = argv[1];
  const long rows = std::atol(argv[2]);
  const std::string mode = argv[3];
  const bool one_by_one = mode == "statements";
  if (mode != "txn" && mode != "backfill" && !one_by_one) {
    return Die("unknown mode " + mode);
  }
  std::filesystem::create_directories(dir);
  const std::string database = dir + "/app.db";
  {
    sqlite3* db = nullptr;
    if (sqlite3_open(database.c_str(), &db) != SQLITE_OK) {
      return Die("cannot open " + database);
    }
    int rc = Exec(db, kSchema);
    if (rc == SQLITE_OK && mode == "backfill") {
      rc = Exec(
          db, "BEGIN;" + InsertRows(rows, "'2024-01-01 00:00:00'") + "COMMIT;");
    }
    sqlite3_close(db);
    if (rc != SQLITE_OK) return 1;
  }
  coven::library::LibrarySettings settings;
  settings.home_folder = dir + "/home";
  settings.database = database;
  settings.tables = {"items"};
  settings.device_name = "flush-memory";
  auto created = coven::library::CreateLibrary(dir + "/lib", settings);
  if (!created.ok()) return Die(created.status().ToString());
  auto lib = coven::library::OpenLibrary(dir + "/lib");
  if (!lib.ok()) return Die(lib.status().ToString());
  std::size_t flushed = 0;
  long flush_ms = -1;  // txn only
  if (mode == "txn" || one_by_one) {
    // Found the library (so that this device may publish), then write.
    auto first = lib->manager->sync_now();
    if (!first.ok()) return Die(first.status().ToString());
    {
      std::lock_guard<std::recursive_mutex> lock(lib->db->write_mutex());
      sqlite3* db = lib->db->raw_write_handle();
      const int rc = one_by_one
                         ? InsertOneByOne(db, rows)
                         : Exec(db, "BEGIN;" + InsertRows(rows, "coven_hlc()") +
                                        "COMMIT;");
      if (rc != SQLITE_OK) return 1;
    }
    Mark("after the transaction");
    const auto start = std::chrono::steady_clock::now();
    auto rows_flushed = lib->manager->flush();
    flush_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - start)
                   .count();
    Mark("after the flush");
    if (!rows_flushed.ok()) return Die(rows_flushed.status().ToString());
    flushed = *rows_flushed;
  } else {
    // The first round founds the library and ships every existing row.
    auto first = lib->manager->sync_now();
    if (!first.ok()) return Die(first.status().ToString());
    flushed = first->flushed_rows;
  }
  // The flush's objects: still in the outbox, or pushed to the home.
  std::size_t objects = 0;
  std::size_t largest = 0;
  {
    std::lock_guard<std::recursive_mutex> lock(lib->db->write_mutex());
    sqlite3* db = lib->db->raw_write_handle();
    sqlite3_stmt* stmt = nullptr;
    sqlite3_prepare_v2(db, "SELECT length(object) FROM cloud_outbox", -1, &stmt,
                       nullptr);
    while (stmt != nullptr && sqlite3_step(stmt) == SQLITE_ROW) {
      ++objects;
      largest = std::max(
          largest, static_cast<std::size_t>(sqlite3_column_int64(stmt, 0)));
    }
    sqlite3_finalize(stmt);
  }
  std::error_code ec;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(
           settings.home_folder + "/log", ec)) {
    if (!entry.is_regular_file()) continue;
    ++objects;
    largest = std::max(largest, static_cast<std::size_t>(entry.file_size()));
  }
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  std::cout << "rows=" << flushed << " objects=" << objects
            << " largest=" << largest << " max_rss_kb=" << usage.ru_maxrss
            << " flush_ms=" << flush_ms << std::endl;
  // Measured; the outbox is left as it is (the caller deletes DIR).
  std::_Exit(0);
}
