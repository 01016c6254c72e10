// A simulated device for multi-device tests: an in-memory (or file) SQLite
// database with the todos schema, dev-mode keys from a seed, a manual clock
// and a SyncManager over a shared home.
#ifndef COVEN_TESTS_TEST_DEVICE_H_
#define COVEN_TESTS_TEST_DEVICE_H_

#include <sqlite3.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "coven/blob.h"
#include "coven/config.h"
#include "coven/db.h"
#include "coven/encryption.h"
#include "coven/entropy.h"
#include "coven/home.h"
#include "coven/keys.h"
#include "coven/sync_manager.h"
#include "coven/testing/manual_clock.h"

namespace coven::testing {

inline constexpr const char* kTodoSchema = R"sql(
CREATE TABLE IF NOT EXISTS todos (
  id TEXT PRIMARY KEY,
  title TEXT NOT NULL,
  completed INTEGER NOT NULL DEFAULT 0,
  _updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS todo_notes (
  id TEXT PRIMARY KEY,
  todo_id TEXT NOT NULL REFERENCES todos(id) ON DELETE CASCADE,
  body TEXT,
  _updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS todo_notes_by_todo ON todo_notes(todo_id);
)sql";

struct TestLibrary {
  std::string id_hex;
  keys::EncryptionKey key;
  /// Every TestDevice of a library is a device of this one member (Owner).
  std::array<std::uint8_t, 32> member_seed{};
};

/// A library id and key derived from `seed`.
TestLibrary MakeLibrary(std::uint64_t seed);

class TestDevice {
 public:
  struct Options {
    std::string db_path = ":memory:";
    std::vector<std::string> tables = {"todos", "todo_notes"};
    /// More host schema, run after the todos schema (tables to sync go in
    /// `tables` too).
    std::string extra_schema;
    std::int64_t max_clock_drift_ms = 300'000;
    /// Config::max_object_bytes: larger incoming objects are quarantined.
    std::uint64_t max_object_bytes = 64ull << 20;
    /// Config::audit_interval_ms.
    std::int64_t audit_interval_ms = 3'600'000;
    /// SyncManagerOptions::blob_plan.
    blob::BlobPlanRef blob_plan;
    /// When set, the home is opened from this URL (with the device's own
    /// keys as its credentials, as a library opens it) instead of `home`.
    std::string home_url;
    /// With home_url: first make it the library's new home
    /// (config::CreateHome), as the device that starts a library does.
    bool create_home = false;
    /// Edits the configuration each time the manager asks for it.
    std::function<void(config::Config&)> on_config;
  };

  static std::unique_ptr<TestDevice> Create(const TestLibrary& library,
                                            home::HomeRef home,
                                            std::uint64_t seed,
                                            std::shared_ptr<ManualClock> clock,
                                            Options options);
  static std::unique_ptr<TestDevice> Create(
      const TestLibrary& library, home::HomeRef home, std::uint64_t seed,
      std::shared_ptr<ManualClock> clock) {
    return Create(library, std::move(home), seed, std::move(clock), Options());
  }

  sqlite3* db() { return db_->raw_write_handle(); }
  db::SqliteSyncDb& sync_db() { return *db_; }
  sync::sync_manager::SyncManager& manager() { return *manager_; }
  ManualClock& clock() { return *clock_; }

  /// Runs SQL under the write mutex; fails the test on error.
  void Exec(const std::string& sql);
  /// Runs SQL under the write mutex; returns the SQLite error message (empty
  /// on success) instead of failing the test.
  std::string TryExec(const std::string& sql);
  /// Rows of `table` as "col|col|..." strings, sorted by id.
  std::vector<std::string> Dump(const std::string& table,
                                bool with_stamp = true);
  /// sync_now (rounds until the queue is sent); fails the test on error.
  sync::sync_manager::SyncReport Sync();

 private:
  std::shared_ptr<db::SqliteSyncDb> db_;
  std::shared_ptr<ManualClock> clock_;
  std::unique_ptr<sync::sync_manager::SyncManager> manager_;
};

}  // namespace coven::testing

#endif  // COVEN_TESTS_TEST_DEVICE_H_
