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
};

/// Creates a library directory in the empty or missing directory `dir`.
///
/// With an empty `code` it starts a new library: a fresh library id, key,
/// member identity and device key; the first sync founds the member log.
/// With an invite code (`coven invite`, "CVI1-...") it prepares to join as
/// the member whose identity `coven identity` printed in `dir`; with a
/// restore code (`coven restore-code`, "CVR1-...", plus `passphrase` if it
/// has one) it restores that member on this new device. The home, tables
/// and genesis come from the code when `settings` leaves them empty; the
/// first sync enrols this device and fetches the library keys.
/// Errors: kAlreadyExists if `dir` already holds a library;
/// kInvalidArgument for a mistyped code (the message says so);
/// kPermissionDenied for a wrong passphrase; file-system errors.
Result<LibrarySettings> CreateLibrary(const std::string& dir,
                                      LibrarySettings settings,
                                      const std::string& code = "",
                                      const std::string& passphrase = "");

/// The member identity of `dir` (128 hex digits), created on first use, so
/// a joining device can show it before it has a library.
Result<std::string> IdentityOf(const std::string& dir);

/// Reads `<dir>/library.json`. kNotFound when `dir` holds no library.
Result<LibrarySettings> ReadSettings(const std::string& dir);

/// A restore code for this member (another device of the same person
/// passes it to CreateLibrary). It holds the member's secret seed: send it
/// only over a private channel, or protect it with `passphrase`.
Result<std::string> ExportJoinSecret(const std::string& dir,
                                     const std::string& passphrase = "");

/// An opened library: the database, and a SyncManager over it.
struct Library {
  LibrarySettings settings;
  std::shared_ptr<db::SqliteSyncDb> db;
  std::unique_ptr<sync::sync_manager::SyncManager> manager;
};

/// Opens the database (running `app_schema` first, if given) and creates
/// the SyncManager. `observer` may be null.
Result<Library> OpenLibrary(
    const std::string& dir, const std::string& app_schema = "",
    std::shared_ptr<sync::sync_manager::SyncObserver> observer = nullptr);

}  // namespace coven::library

#endif  // COVEN_LIBRARY_H_
