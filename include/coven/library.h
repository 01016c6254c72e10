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
};

/// Creates a new library in the empty or missing directory `dir`, with a
/// fresh library id and key (when `join_secret` is empty) or the library
/// named by `join_secret` (from ExportJoinSecret on another device).
/// Errors: kAlreadyExists if `dir` already holds a library; kInvalidArgument
/// for a malformed secret; file-system errors.
Result<LibrarySettings> CreateLibrary(const std::string& dir,
                                      LibrarySettings settings,
                                      const std::string& join_secret = "");

/// Reads `<dir>/library.json`. kNotFound when `dir` holds no library.
Result<LibrarySettings> ReadSettings(const std::string& dir);

/// A secret another device passes to CreateLibrary to join this library.
/// It contains the library key: treat it like a password. (Membership with
/// invite codes that carry no key in clear replaces this.)
Result<std::string> ExportJoinSecret(const std::string& dir);

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
