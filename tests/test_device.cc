#include "test_device.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "coven/config.h"
#include "sync/home_credentials.h"

namespace coven::testing {

TestLibrary MakeLibrary(std::uint64_t seed) {
  SeededEntropy entropy(seed ^ 0x11b7a7ULL);
  std::array<std::uint8_t, 16> id{};
  entropy.Fill(id);
  TestLibrary library;
  library.id_hex = HexEncode(id);
  entropy.Fill(library.key.bytes);
  entropy.Fill(library.member_seed);
  return library;
}

std::unique_ptr<TestDevice> TestDevice::Create(
    const TestLibrary& library, home::HomeRef home, std::uint64_t seed,
    std::shared_ptr<ManualClock> clock, Options options) {
  auto device = std::unique_ptr<TestDevice>(new TestDevice());
  device->clock_ = clock;
  auto db = db::SqliteSyncDb::Open(options.db_path);
  EXPECT_TRUE(db.ok()) << db.status().ToString();
  if (!db.ok()) return nullptr;
  device->db_ = *db;
  device->Exec(kTodoSchema);
  if (!options.extra_schema.empty()) device->Exec(options.extra_schema);

  auto entropy = std::make_shared<SeededEntropy>(seed);
  keys::KeyService key_service(/*dev_mode=*/true, library.id_hex, "", entropy);
  EXPECT_TRUE(key_service.import_encryption_key(library.key).ok());
  EXPECT_TRUE(key_service.import_member_seed(library.member_seed).ok());
  encryption::EncryptionService encryption(library.key);

  config::Config config = config::Config::with_defaults(
      "", "device-" + std::to_string(seed), std::nullopt);
  config.home = std::move(home);
  config.entropy = entropy;
  config.synced_tables = options.tables;
  config.max_clock_drift_ms = options.max_clock_drift_ms;
  config.max_object_bytes = options.max_object_bytes;
  config.audit_interval_ms = options.audit_interval_ms;
  if (!options.home_url.empty()) {
    config.home = nullptr;
    config.cloud_home = config::CloudHomeConfig{config::CloudProvider::kLocal,
                                                std::nullopt, options.home_url};
    if (options.create_home) {
      auto credentials = sync::CredentialsFromKeyService(key_service);
      EXPECT_TRUE(credentials.ok()) << credentials.status().ToString();
      if (!credentials.ok()) return nullptr;
      config.home_credentials = *credentials;
      Status created = config::CreateHome(config, library.id_hex);
      EXPECT_TRUE(created.ok()) << created.ToString();
      if (!created.ok()) return nullptr;
    }
  }
  auto manager = sync::sync_manager::SyncManager::Create(
      [config, edit = options.on_config] {
        config::Config now = config;
        if (edit) edit(now);
        return now;
      },
      key_service, encryption, device->db_, clock,
      {.blob_plan = options.blob_plan, .observer = nullptr});
  EXPECT_TRUE(manager.ok()) << manager.status().ToString();
  if (!manager.ok()) return nullptr;
  device->manager_ = std::move(*manager);
  return device;
}

void TestDevice::Exec(const std::string& sql) {
  std::lock_guard<std::recursive_mutex> lock(db_->write_mutex());
  char* err = nullptr;
  int rc = sqlite3_exec(db(), sql.c_str(), nullptr, nullptr, &err);
  EXPECT_EQ(rc, SQLITE_OK) << (err ? err : "") << " in " << sql;
  sqlite3_free(err);
}

std::string TestDevice::TryExec(const std::string& sql) {
  std::lock_guard<std::recursive_mutex> lock(db_->write_mutex());
  char* err = nullptr;
  int rc = sqlite3_exec(db(), sql.c_str(), nullptr, nullptr, &err);
  std::string message = rc == SQLITE_OK ? "" : (err ? err : "error");
  sqlite3_free(err);
  return message;
}

std::vector<std::string> TestDevice::Dump(const std::string& table,
                                          bool with_stamp) {
  std::lock_guard<std::recursive_mutex> lock(db_->write_mutex());
  std::vector<std::string> rows;
  sqlite3_stmt* stmt = nullptr;
  std::string sql = "SELECT * FROM " + table + " ORDER BY id";
  EXPECT_EQ(sqlite3_prepare_v2(db(), sql.c_str(), -1, &stmt, nullptr),
            SQLITE_OK);
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    std::string row;
    for (int c = 0; c < sqlite3_column_count(stmt); ++c) {
      if (!with_stamp &&
          std::string(sqlite3_column_name(stmt, c)) == "_updated_at") {
        continue;
      }
      if (c) row += "|";
      const unsigned char* text = sqlite3_column_text(stmt, c);
      row += text ? reinterpret_cast<const char*>(text) : "NULL";
    }
    rows.push_back(row);
  }
  sqlite3_finalize(stmt);
  return rows;
}

sync::sync_manager::SyncReport TestDevice::Sync() {
  auto report = manager_->sync_now();
  EXPECT_TRUE(report.ok()) << report.status().ToString();
  return report.ok() ? *report : sync::sync_manager::SyncReport();
}

}  // namespace coven::testing
