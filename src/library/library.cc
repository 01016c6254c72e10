#include "coven/library.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include <cctype>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>

#include "codes/code.h"
#include "coven/encryption.h"
#include "coven/home_url.h"
#include "crypto/crypto.h"
#include "db/sql.h"
#include "engine/table_schema.h"
#include "library/durable_file.h"
#include "library/key_custody_config.h"
#include "library/library_codes.h"
#include "library/pending_start.h"
#include "members/member_identity.h"
#include "sync/home_credentials.h"
#include "sync/home_marker.h"
#include "sync/home_rebuild.h"
#include "util/crash_point.h"

namespace coven::library {

namespace {

std::string SettingsPath(const std::string& dir) {
  return dir + "/library.json";
}

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
  if (!s.genesis_anchor.empty()) j["genesis_anchor"] = s.genesis_anchor;
  j["key_custody"] = s.key_custody;
  if (!s.keyring_scope.empty()) j["keyring_scope"] = s.keyring_scope;
  if (!s.history_before_join) j["history"] = "future-only";
  // Durable before the caller goes on: written to library.json.tmp, fsynced,
  // renamed into place and the directory fsynced, so that a crash leaves the
  // old or the new settings, never a torn or lost file.
  const std::string path = SettingsPath(dir);
  const std::string text = j.dump(2) + "\n";
  return WriteFileDurably(path, text, 0666);
}

// The Config OpenLibrary gives the SyncManager (home, tables, environment).
Result<config::Config> ConfigFor(const std::string& dir,
                                 const LibrarySettings& settings) {
  config::Config config = config::Config::with_defaults(
      dir, settings.device_name,
      config::CloudHomeConfig{config::CloudProvider::kLocal, std::nullopt,
                              settings.home_folder});
  config.synced_tables = settings.tables;
  config.genesis_anchor = settings.genesis_anchor;
  config.sync_interval_ms = settings.sync_interval_ms;
  config.history_before_join = settings.history_before_join;
  COVEN_RETURN_IF_ERROR(config.apply_env());
  return config;
}

}  // namespace

Status CheckDatabase(const std::string& database,
                     const std::vector<std::string>& tables) {
  if (tables.empty()) {
    return InvalidArgumentError(
        "no tables to sync: name at least one table of " + database);
  }
  sqlite3* raw = nullptr;
  const int rc =
      sqlite3_open_v2(database.c_str(), &raw,
                      SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
  std::unique_ptr<sqlite3, int (*)(sqlite3*)> conn(raw, &sqlite3_close);
  if (rc != SQLITE_OK) {
    return FailedPreconditionError(
        "cannot open database " + database + " (" +
        (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)) +
        "): it must be an existing SQLite database holding the tables to sync");
  }
  std::set<std::string> seen;
  for (const std::string& table : tables) {
    if (!seen.insert(table).second) {
      return InvalidArgumentError("table `" + table +
                                  "` is listed twice in the tables to sync");
    }
    COVEN_ASSIGN_OR_RETURN(
        db::Stmt exists,
        db::Stmt::Prepare(conn.get(),
                          "SELECT 1 FROM sqlite_schema WHERE name = ?"));
    exists.Bind(1, table);
    COVEN_ASSIGN_OR_RETURN(bool found, exists.Step());
    if (!found) {
      return FailedPreconditionError(
          "database " + database + " has no table `" + table +
          "`: create it there first (its first column `id TEXT PRIMARY KEY`, "
          "plus a column `_updated_at TEXT NOT NULL`), or leave it out of the "
          "tables to sync");
    }
    Result<engine::TableSchema> schema =
        engine::LoadTableSchema(conn.get(), table);
    if (!schema.ok()) {
      return FailedPreconditionError("database " + database + ": " +
                                     schema.status().message());
    }
  }
  return Status::Ok();
}

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
    s.genesis_anchor = j.value("genesis_anchor", std::string());
    s.key_custody = j.value("key_custody", std::string("files"));
    s.keyring_scope = j.value("keyring_scope", std::string());
    s.history_before_join = j.value("history", std::string()) != "future-only";
  } catch (const std::exception& e) {
    return bad(e.what());
  }
  Bytes id;
  if (!HexDecode(s.library_id, &id) || id.size() != 16)
    return bad("library_id");
  Result<CustodyChoice> custody =
      CustodyFromSettings(s.key_custody, s.keyring_scope);
  if (!custody.ok()) return bad(custody.status().message());
  return s;
}

Result<LibrarySettings> CreateLibrary(const std::string& dir,
                                      LibrarySettings settings,
                                      const std::string& code,
                                      const std::string& secret) {
  COVEN_RETURN_IF_ERROR(crypto::EnsureSodium());
  if (std::filesystem::exists(SettingsPath(dir))) {
    Result<LibrarySettings> existing = ReadSettings(dir);
    return AlreadyExistsError(
        dir + " already holds " +
        (existing.ok() ? "library " + existing->library_id + " (home " +
                             existing->home_folder + ")"
                       : std::string("a library")) +
        ": open it to sync it, or choose an empty directory for another "
        "library");
  }
  std::optional<LibraryLocation> location;
  std::optional<std::array<std::uint8_t, 32>> restored_seed;
  if (!code.empty()) {
    COVEN_ASSIGN_OR_RETURN(codes::CodeKind kind, codes::DetectCodeKind(code));
    if (kind == codes::CodeKind::kInvite) {
      COVEN_ASSIGN_OR_RETURN(location, DecodeInviteCode(code));
    } else if (kind == codes::CodeKind::kRestore) {
      COVEN_ASSIGN_OR_RETURN(RestoreContents restore,
                             DecodeRestoreCode(code, secret));
      location = restore.location;
      restored_seed = restore.seed;
    } else if (kind == codes::CodeKind::kRecoverySecret) {
      return InvalidArgumentError(
          "this is a recovery secret, not a restore code: give the restore "
          "code (CVR1-...) as the code and this secret when asked for it");
    } else {
      return InvalidArgumentError(
          "this is an identity, not an invite or restore code: give it to an "
          "Admin, who runs `coven invite` with it");
    }
    if (location->provider != "local" && location->provider != "url") {
      return UnimplementedError("the code names a `" + location->provider +
                                "` home, which this build cannot open; "
                                "upgrade coven");
    }
  }
  SystemEntropy entropy;
  if (location) {
    settings.library_id = location->library_id;
    settings.genesis_anchor = HexEncode(location->genesis);
    if (settings.home_folder.empty())
      settings.home_folder = location->container;
    if (settings.tables.empty()) settings.tables = location->tables;
    settings.history_before_join = location->history_before_join;
  }
  // A folder path is made absolute; a home URL (s3://, webdav://, ...) is
  // kept as written. A URL missing its "//" (hub:host:1234) is neither.
  COVEN_RETURN_IF_ERROR(home::CheckHomeFolderPath(settings.home_folder));
  if (!home::IsHomeUrl(settings.home_folder)) {
    settings.home_folder = Absolute(settings.home_folder);
  }
  if (!location) {
    COVEN_ASSIGN_OR_RETURN(
        settings.library_id,
        LibraryIdForStart(dir, settings.home_folder, entropy));
  }
  settings.database = Absolute(settings.database);
  // Check everything that can be checked before anything is written, so
  // that a refused start leaves nothing behind and can simply be retried.
  // A database that does not exist yet is the app's to create (with its
  // tables) when it opens the library.
  if (std::filesystem::exists(settings.database)) {
    COVEN_RETURN_IF_ERROR(CheckDatabase(settings.database, settings.tables));
  }
  COVEN_ASSIGN_OR_RETURN(config::Config config, ConfigFor(dir, settings));
  {
    // Joining or restoring: the home must already be this library's.
    // Starting: it must not hold another library.
    COVEN_ASSIGN_OR_RETURN(home::HomeRef home, config::OpenHome(config));
    COVEN_RETURN_IF_ERROR(
        location ? sync::CheckJoinedHome(*home, settings.library_id)
                 : sync::CheckNewHome(*home, settings.library_id));
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return PermissionDeniedError("cannot create " + dir + ": " + ec.message());
  chmod(dir.c_str(), 0700);
  bool from_marker = false;
  COVEN_ASSIGN_OR_RETURN(CustodyChoice custody,
                         ChooseNewCustody(dir, /*fresh_keyring_scope=*/false,
                                          entropy, &from_marker));
  settings.key_custody = std::string(keys::KeyCustodyName(custody.kind));
  settings.keyring_scope = custody.keyring_scope;
  COVEN_ASSIGN_OR_RETURN(keys::KeyService key_service,
                         OpenKeyService(dir, custody, settings.library_id));
  if (!from_marker) COVEN_RETURN_IF_ERROR(WriteCustodyMarker(dir, custody));
  auto keys_ok = [&](const Status& status) {
    return ExplainKeyError(status, custody);
  };
  if (restored_seed) {
    COVEN_RETURN_IF_ERROR(
        keys_ok(key_service.import_member_seed(*restored_seed)));
    if (!settings.keep_member_key) {
      COVEN_RETURN_IF_ERROR(keys_ok(key_service.set_member_seed_enrol_only()));
    }
  } else {
    COVEN_RETURN_IF_ERROR(
        keys_ok(key_service.get_or_create_member_seed().status()));
  }
  if (!location) {
    COVEN_RETURN_IF_ERROR(
        keys_ok(key_service.get_or_create_encryption_key().status()));
  }
  COVEN_RETURN_IF_ERROR(
      keys_ok(key_service.get_or_create_device_key().status()));
  // From here on the device has its keys: a home that authenticates (the
  // hub) registers it with them. The checks above ran without (a hub home
  // answers them anonymously).
  COVEN_ASSIGN_OR_RETURN(config.home_credentials,
                         sync::CredentialsFromKeyService(key_service));
  if (!location) {
    // Starting a library: the one moment its home is made.
    COVEN_RETURN_IF_ERROR(WritePendingStart(
        dir, PendingStart{settings.library_id, settings.home_folder}));
    COVEN_RETURN_IF_ERROR(config::CreateHome(config, settings.library_id));
    CrashPoint("start.after_home");
  }
  Status written = WriteSettings(dir, settings);
  if (written.ok()) ClearPendingStart(dir);
  if (!written.ok() && !location) {
    // Without library.json the marker would name a library nobody has.
    if (auto home = config::OpenHome(config); home.ok()) {
      (*home)->Delete(sync::kHomeMarkerPath).IgnoreError();
    }
  }
  COVEN_RETURN_IF_ERROR(written);
  return settings;
}

Result<std::string> IdentityOf(const std::string& dir) {
  COVEN_RETURN_IF_ERROR(crypto::EnsureSodium());
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return PermissionDeniedError("cannot create " + dir + ": " + ec.message());
  chmod(dir.c_str(), 0700);
  CustodyChoice custody;
  std::string library_id;
  bool recorded = false;
  if (std::filesystem::exists(SettingsPath(dir))) {
    COVEN_ASSIGN_OR_RETURN(LibrarySettings settings, ReadSettings(dir));
    COVEN_ASSIGN_OR_RETURN(
        custody,
        CustodyFromSettings(settings.key_custody, settings.keyring_scope));
    library_id = settings.library_id;
    recorded = true;
  } else {
    SystemEntropy entropy;
    COVEN_ASSIGN_OR_RETURN(
        custody, ChooseNewCustody(dir, /*fresh_keyring_scope=*/true, entropy,
                                  &recorded));
  }
  COVEN_ASSIGN_OR_RETURN(keys::KeyService key_service,
                         OpenKeyService(dir, custody, library_id));
  if (!recorded) COVEN_RETURN_IF_ERROR(WriteCustodyMarker(dir, custody));
  COVEN_ASSIGN_OR_RETURN(bool dropped, key_service.member_seed_dropped());
  if (dropped) {
    return FailedPreconditionError(
        "this device no longer keeps its member key, so it has no identity "
        "to show; it is already a device of its member (`coven members`)");
  }
  Result<std::array<std::uint8_t, 32>> seed =
      key_service.get_or_create_member_seed();
  COVEN_RETURN_IF_ERROR(ExplainKeyError(seed.status(), custody));
  std::string identity = members::IdentityHex(
      members::MemberIdentity::FromSeed(*seed).public_identity());
  crypto::WipeMemory(seed->data(), seed->size());
  return identity;
}

Result<sync::sync_manager::RestoreCode> ExportJoinSecret(
    const std::string& dir, const std::string& passphrase) {
  COVEN_ASSIGN_OR_RETURN(Library library, OpenLibrary(dir));
  return library.manager->generate_restore_code(passphrase);
}

Status DropMemberKey(const std::string& dir) {
  COVEN_ASSIGN_OR_RETURN(Library library, OpenLibrary(dir));
  return library.manager->drop_member_key();
}

Result<Library> OpenLibrary(
    const std::string& dir, const std::string& app_schema,
    std::shared_ptr<sync::sync_manager::SyncObserver> observer) {
  Library library;
  COVEN_ASSIGN_OR_RETURN(library.settings, ReadSettings(dir));
  COVEN_ASSIGN_OR_RETURN(CustodyChoice custody,
                         CustodyFromSettings(library.settings.key_custody,
                                             library.settings.keyring_scope));
  COVEN_ASSIGN_OR_RETURN(
      keys::KeyService key_service,
      OpenKeyService(dir, custody, library.settings.library_id));
  // Unlock the keys before touching the database. Only the founder has a
  // founding key; a joined or restored device gets every key from the
  // member log.
  COVEN_ASSIGN_OR_RETURN(bool seed_dropped, key_service.member_seed_dropped());
  if (!seed_dropped) {
    COVEN_RETURN_IF_ERROR(ExplainKeyError(
        key_service.get_or_create_member_seed().status(), custody));
  }
  Result<keys::EncryptionKey> key = keys::EncryptionKey{};
  if (library.settings.genesis_anchor.empty()) {
    key = key_service.get_or_create_encryption_key();
    COVEN_RETURN_IF_ERROR(ExplainKeyError(key.status(), custody));
  }
  COVEN_ASSIGN_OR_RETURN(library.db,
                         db::SqliteSyncDb::Open(library.settings.database));
  if (!app_schema.empty()) {
    COVEN_RETURN_IF_ERROR(db::Exec(library.db->raw_write_handle(), app_schema)
                              .Annotate("app schema"));
  }
  COVEN_ASSIGN_OR_RETURN(config::Config config,
                         ConfigFor(dir, library.settings));
  COVEN_ASSIGN_OR_RETURN(
      library.manager,
      sync::sync_manager::SyncManager::Create(
          [config] { return config; }, key_service,
          encryption::EncryptionService(*key), library.db,
          std::make_shared<clock::SystemClock>(),
          {.blob_plan = nullptr, .observer = std::move(observer)}));
  return library;
}

Result<bool> MarkLostHome(Library& library, const std::string& dir,
                          bool write) {
  const LibrarySettings& settings = library.settings;
  std::string scheme = settings.home_folder.substr(0, 6);
  for (char& c : scheme) c = static_cast<char>(std::tolower(c));
  if (home::IsHomeUrl(settings.home_folder) && scheme == "hub://") {
    // Not even looked at from another device: the first signed-in call to
    // an empty hub space makes the caller its founder, and a hub lets only
    // the device that wrote the genesis entry put the member log back.
    // This device's verified view (status() does not contact the home).
    const sync::sync_manager::SyncStatus status = library.manager->status();
    const std::string& founder = status.founding_device;
    const bool active = status.founding_device_active;
    const std::string& self = status.device_id;
    if (founder != self || !active) {
      return FailedPreconditionError(
          "the home " + settings.home_folder +
          " is a hub, and a hub lets only the device that founded the "
          "library (it wrote the member log's first entry: device " +
          (founder.empty() ? std::string("unknown") : founder) +
          (active ? "" : ", removed") + "; this device is " + self +
          ") start a lost space again. Run `coven rebuild-home` on that "
          "device; if it is gone or was removed, restore the hub's store "
          "(its SQLite file or PostgreSQL database) from a backup instead, "
          "then `coven sync` on each device puts back what the backup lacks");
    }
  }
  COVEN_ASSIGN_OR_RETURN(config::Config config, ConfigFor(dir, settings));
  // With the device's key, as its rounds open the home: a hub answers a
  // write of the marker only to a registered device.
  COVEN_ASSIGN_OR_RETURN(
      CustodyChoice custody,
      CustodyFromSettings(settings.key_custody, settings.keyring_scope));
  COVEN_ASSIGN_OR_RETURN(keys::KeyService key_service,
                         OpenKeyService(dir, custody, settings.library_id));
  COVEN_ASSIGN_OR_RETURN(config.home_credentials,
                         sync::CredentialsFromKeyService(key_service));
  COVEN_ASSIGN_OR_RETURN(home::HomeRef home, config::OpenHome(config));
  return sync::MarkLostHome(*home, settings.library_id, write);
}

}  // namespace coven::library
