#include "coven/library.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "coven/encryption.h"
#include "crypto/crypto.h"
#include "db/sql.h"

namespace coven::library {

namespace {

constexpr const char* kSecretPrefix = "coven-join-v0:";

std::string SettingsPath(const std::string& dir) {
  return dir + "/library.json";
}
std::string KeyDir(const std::string& dir) { return dir + "/keys"; }

std::string Absolute(const std::string& path) {
  std::error_code ec;
  auto abs = std::filesystem::absolute(path, ec);
  return ec ? path : abs.lexically_normal().string();
}

Status WriteSettings(const std::string& dir, const LibrarySettings& s) {
  nlohmann::json j = {
      {"format", 1},
      {"library_id", s.library_id},
      {"device_name", s.device_name},
      {"home", {{"provider", "local"}, {"container", s.home_folder}}},
      {"database", s.database},
      {"tables", s.tables},
      {"sync_interval_ms", s.sync_interval_ms},
  };
  const std::string path = SettingsPath(dir);
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << j.dump(2) << "\n";
    if (!out.good()) {
      return PermissionDeniedError("cannot write " + tmp);
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec)
    return PermissionDeniedError("cannot write " + path + ": " + ec.message());
  return Status::Ok();
}

}  // namespace

Result<LibrarySettings> ReadSettings(const std::string& dir) {
  const std::string path = SettingsPath(dir);
  std::ifstream in(path);
  if (!in) {
    return NotFoundError("no library in " + dir + " (missing " + path +
                         "); run `coven init` first");
  }
  nlohmann::json j =
      nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  auto bad = [&](const std::string& what) {
    return DataLossError(path + " is damaged (" + what +
                         "); fix it or run `coven init` in a new directory");
  };
  if (j.is_discarded() || !j.is_object()) return bad("not JSON");
  LibrarySettings s;
  try {
    if (j.value("format", 0) != 1) return bad("unknown format");
    s.library_id = j.at("library_id").get<std::string>();
    s.device_name = j.value("device_name", "");
    s.home_folder = j.at("home").at("container").get<std::string>();
    s.database = j.at("database").get<std::string>();
    s.tables = j.at("tables").get<std::vector<std::string>>();
    s.sync_interval_ms = j.value("sync_interval_ms", std::int64_t{30'000});
  } catch (const std::exception& e) {
    return bad(e.what());
  }
  Bytes id;
  if (!HexDecode(s.library_id, &id) || id.size() != 16)
    return bad("library_id");
  return s;
}

Result<LibrarySettings> CreateLibrary(const std::string& dir,
                                      LibrarySettings settings,
                                      const std::string& join_secret) {
  COVEN_RETURN_IF_ERROR(crypto::EnsureSodium());
  if (std::filesystem::exists(SettingsPath(dir))) {
    return AlreadyExistsError(dir + " already holds a library");
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return PermissionDeniedError("cannot create " + dir + ": " + ec.message());
  chmod(dir.c_str(), 0700);
  SystemEntropy entropy;
  std::optional<keys::EncryptionKey> imported;
  if (join_secret.empty()) {
    std::array<std::uint8_t, 16> id{};
    entropy.Fill(id);
    settings.library_id = HexEncode(id);
  } else {
    std::string secret = join_secret;
    Bytes raw;
    if (secret.rfind(kSecretPrefix, 0) != 0 ||
        !HexDecode(secret.substr(std::string(kSecretPrefix).size()), &raw) ||
        raw.size() != 48) {
      return InvalidArgumentError(
          "the join secret is malformed: copy the whole line printed by "
          "`coven export-secret` on a device of the library");
    }
    settings.library_id = HexEncode(ByteView(raw.data(), 16));
    keys::EncryptionKey key;
    std::copy(raw.begin() + 16, raw.end(), key.bytes.begin());
    imported = key;
  }
  settings.home_folder = Absolute(settings.home_folder);
  settings.database = Absolute(settings.database);
  keys::KeyService key_service(false, settings.library_id, KeyDir(dir));
  if (imported) {
    COVEN_RETURN_IF_ERROR(key_service.import_encryption_key(*imported));
  } else {
    COVEN_ASSIGN_OR_RETURN(keys::EncryptionKey key,
                           key_service.get_or_create_encryption_key());
    (void)key;
  }
  COVEN_ASSIGN_OR_RETURN(keys::DeviceKey device,
                         key_service.get_or_create_device_key());
  (void)device;
  COVEN_RETURN_IF_ERROR(WriteSettings(dir, settings));
  return settings;
}

Result<std::string> ExportJoinSecret(const std::string& dir) {
  COVEN_ASSIGN_OR_RETURN(LibrarySettings s, ReadSettings(dir));
  keys::KeyService key_service(false, s.library_id, KeyDir(dir));
  COVEN_ASSIGN_OR_RETURN(keys::EncryptionKey key,
                         key_service.get_or_create_encryption_key());
  Bytes raw;
  HexDecode(s.library_id, &raw);
  raw.insert(raw.end(), key.bytes.begin(), key.bytes.end());
  return std::string(kSecretPrefix) + HexEncode(raw);
}

Result<Library> OpenLibrary(
    const std::string& dir, const std::string& app_schema,
    std::shared_ptr<sync::sync_manager::SyncObserver> observer) {
  Library library;
  COVEN_ASSIGN_OR_RETURN(library.settings, ReadSettings(dir));
  COVEN_ASSIGN_OR_RETURN(library.db,
                         db::SqliteSyncDb::Open(library.settings.database));
  if (!app_schema.empty()) {
    COVEN_RETURN_IF_ERROR(db::Exec(library.db->raw_write_handle(), app_schema)
                              .Annotate("app schema"));
  }
  keys::KeyService key_service(false, library.settings.library_id, KeyDir(dir));
  COVEN_ASSIGN_OR_RETURN(keys::EncryptionKey key,
                         key_service.get_or_create_encryption_key());
  config::Config config = config::Config::with_defaults(
      dir, library.settings.device_name,
      config::CloudHomeConfig{config::CloudProvider::kLocal, std::nullopt,
                              library.settings.home_folder});
  config.synced_tables = library.settings.tables;
  config.sync_interval_ms = library.settings.sync_interval_ms;
  COVEN_RETURN_IF_ERROR(config.apply_env());
  COVEN_ASSIGN_OR_RETURN(
      library.manager,
      sync::sync_manager::SyncManager::Create(
          [config] { return config; }, key_service,
          encryption::EncryptionService(key), library.db,
          std::make_shared<clock::SystemClock>(), std::move(observer)));
  return library;
}

}  // namespace coven::library
