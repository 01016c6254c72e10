// A library directory: the files one device keeps for one synced library.
//
//   <dir>/library.json   library id, device name, home, database, tables
//   <dir>/keys/          library key and device signing key (mode 0600)
//
// The coven CLI and the todos example use this; a host app may too, or build
// Config/KeyService/SyncManager itself. Format: docs/format/library-dir.md.
//
// Thread safety: the functions are thread-safe; the returned Library is
// used from one thread at a time except for its SyncManager.
#ifndef COVEN_LIBRARY_H_
#define COVEN_LIBRARY_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "coven/config.h"
#include "coven/db.h"
#include "coven/keys.h"
#include "coven/status.h"
#include "coven/sync_manager.h"

namespace coven::library {

/// What `coven init` records.
struct LibrarySettings {
  std::string library_id;  ///< 32 hex digits.
  std::string device_name;
  std::string home_folder;  ///< Folder home path (absolute).
  std::string database;     ///< App database path (absolute).
  std::vector<std::string> tables;
  std::int64_t sync_interval_ms = 30'000;
  /// 64 hex digits when the library was joined or restored with a code:
  /// the member log must start with this entry. Empty for the founder.
  std::string genesis_anchor;
  /// Where this directory's keys live: "files" (0600 key files, the
  /// default), "passphrase" (files sealed with COVEN_KEY_PASSPHRASE) or
  /// "keyring" (the OS keyring). CreateLibrary sets it from the environment
  /// (COVEN_KEY_CUSTODY) or from what `IdentityOf` recorded; see
  /// docs/format/key-custody.md.
  std::string key_custody = "files";
  /// Keyring custody only: the keyring scope of this directory's items when
  /// it is not the library id (IdentityOf ran before the id was known).
  std::string keyring_scope;
  /// False when the member was invited to the future only (from the invite
  /// or restore code): objects sealed with keys from before it joined are
  /// passed over (Config::history_before_join).
  bool history_before_join = true;
  /// Restore only (not recorded): keep the member seed on this device after
  /// it is enrolled. By default a restored device drops it then and syncs
  /// with its own device key, so that removing the device locks it out.
  bool keep_member_key = false;
};

/// Creates a library directory in the empty or missing directory `dir`.
///
/// With an empty `code` it starts a new library: a fresh library id, key,
/// member identity and device key; the first sync founds the member log.
/// With an invite code (`coven invite`, "CVI1-...") it prepares to join as
/// the member whose identity `coven identity` printed in `dir`; with a
/// restore code (`coven restore-code`, "CVR1-...", plus `secret`: its
/// recovery secret "CVK1-..." or its passphrase) it restores that member on
/// this new device. The home, tables
/// and genesis come from the code when `settings` leaves them empty; the
/// first sync enrols this device and fetches the library keys.
/// Starting a library makes its home (config::CreateHome: a folder home's
/// directory, and the home's marker); joining or restoring requires the home
/// to be this library's already (a missing or empty home, or another
/// library's, is kUnavailable). When `settings.database` exists, its tables
/// are checked first (CheckDatabase). Every check runs before anything is
/// written, so a refused call leaves nothing behind and can be retried.
/// Errors: kAlreadyExists if `dir` already holds a library;
/// kInvalidArgument for a mistyped code (the message says so);
/// kPermissionDenied for a wrong passphrase or recovery secret;
/// kFailedPrecondition when the restore code needs `secret` and it is empty,
/// for a database without a table to sync, or a home that holds another
/// library; kUnavailable for a home that is missing or not this library's;
/// file-system and home errors.
Result<LibrarySettings> CreateLibrary(const std::string& dir,
                                      LibrarySettings settings,
                                      const std::string& code = "",
                                      const std::string& secret = "");

/// Checks, reading only, that the SQLite database file `database` holds
/// each of `tables` in a form coven can sync (an ordinary table whose first
/// column is `id TEXT PRIMARY KEY`, with `_updated_at TEXT NOT NULL`).
/// Errors (kFailedPrecondition, kInvalidArgument) name the file and the
/// table and say what to change.
Status CheckDatabase(const std::string& database,
                     const std::vector<std::string>& tables);

/// The member identity of `dir` (128 hex digits), created on first use, so
/// a joining device can show it before it has a library. On first use it
/// records the key custody chosen by COVEN_KEY_CUSTODY in `dir/keys/custody`;
/// CreateLibrary later keeps that choice.
Result<std::string> IdentityOf(const std::string& dir);

/// Reads `<dir>/library.json`. kNotFound when `dir` holds no library.
Result<LibrarySettings> ReadSettings(const std::string& dir);

/// A restore code for this member (another device of the same person
/// passes it to CreateLibrary) and, without `passphrase`, the recovery
/// secret that opens it (SyncManager::generate_restore_code). Neither holds
/// the member's seed in clear; a weak `passphrase` is refused. The seed
/// stays on this device: call DropMemberKey once the code is safely shown
/// or stored.
Result<sync::sync_manager::RestoreCode> ExportJoinSecret(
    const std::string& dir, const std::string& passphrase = "");

/// Deletes the member seed from the library in `dir`
/// (SyncManager::drop_member_key): from then on a restore code is its only
/// copy and this device syncs with its device key. kFailedPrecondition
/// before the device is enrolled and holds the current key.
Status DropMemberKey(const std::string& dir);

/// An opened library: the database, and a SyncManager over it.
struct Library {
  LibrarySettings settings;
  std::shared_ptr<db::SqliteSyncDb> db;
  std::unique_ptr<sync::sync_manager::SyncManager> manager;
};

/// Opens the database (running `app_schema` first, if given) and creates
/// the SyncManager. `observer` may be null. Keys come from the custody
/// recorded in library.json: kFailedPrecondition when it is "passphrase" and
/// COVEN_KEY_PASSPHRASE is unset, or when COVEN_KEY_CUSTODY names another
/// custody; kPermissionDenied for a wrong passphrase; kUnavailable when the
/// OS keyring is unreachable.
Result<Library> OpenLibrary(
    const std::string& dir, const std::string& app_schema = "",
    std::shared_ptr<sync::sync_manager::SyncObserver> observer = nullptr);

/// For `coven rebuild-home`: whether the home of `library` (opened from
/// `dir`) was lost and may be rebuilt from this device, and, with `write`,
/// writes its marker (the device's next round then puts back the member
/// log, its own objects and the current key's wraps). Returns true when the
/// home is empty and the marker was written (without `write`: would be);
/// false when it is already marked. A hub:// home is rebuilt only from the
/// device that founded the library (it wrote the member log's first entry)
/// while it is active, because a hub lets only the device that writes a
/// space's first entry start it; from any other device, kFailedPrecondition
/// naming the founding device, without contacting the hub.
/// kFailedPrecondition, saying what and what to do, for a folder that does
/// not exist (never created here: it may be an unmounted drive's mount
/// point) or a home that holds anything; the home's errors.
Result<bool> MarkLostHome(Library& library, const std::string& dir, bool write);

}  // namespace coven::library

#endif  // COVEN_LIBRARY_H_
