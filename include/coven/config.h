// Configuration of one device's view of one library.
//
// Mirrors coven::config in the reference example: Config::with_defaults(
// library_dir, device_name, CloudHomeConfig{provider, account_email,
// container}). Tests inject the home, entropy and clock here (Options-style)
// so that a multi-device scenario runs in one process from a seed.
#ifndef COVEN_CONFIG_H_
#define COVEN_CONFIG_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "coven/clock.h"
#include "coven/entropy.h"
#include "coven/home.h"
#include "coven/home_url.h"
#include "coven/status.h"

namespace coven::config {

/// Where a library's home lives.
enum class CloudProvider {
  kLocal,        ///< A folder (local disk, NAS mount, a synced folder).
  kS3,           ///< Any S3-compatible service.
  kGoogleDrive,  ///< Through rclone.
  kDropbox,      ///< Through rclone.
  kOneDrive,     ///< Through rclone.
  kICloud,       ///< Through rclone (needs rclone >= 1.69).
};

/// Names the home (see HomeUrlFor for how each provider reads it):
///   kLocal: `container` is the folder path, or any home URL (docs/homes.md);
///   kS3: `container` is "BUCKET[/PREFIX][?region=..&endpoint=..]";
///   kGoogleDrive, kDropbox, kOneDrive, kICloud: `container` is an rclone
///     "REMOTE:PATH", or a PATH on the default remote ("gdrive", "dropbox",
///     "onedrive", "icloud") that `rclone config` created.
/// `account_email` is informational (shown to the user); credentials come
/// from the environment or rclone.conf, never from here.
struct CloudHomeConfig {
  CloudProvider provider = CloudProvider::kLocal;
  std::optional<std::string> account_email;
  std::optional<std::string> container;
};

/// Everything a SyncManager needs to know. Plain value; copy freely.
struct Config {
  std::string library_dir;  ///< Holds library.json and (unless dev_mode) keys.
  std::string device_name;  ///< Human label for this device.
  std::optional<CloudHomeConfig> cloud_home;

  /// Tables to sync; empty means coven::sync::session::synced_tables().
  std::vector<std::string> synced_tables;

  std::int64_t sync_interval_ms = 30'000;     ///< Background poll period.
  std::int64_t max_clock_drift_ms = 300'000;  ///< Refuse stamps further ahead.
  std::int64_t retry_base_ms = 500;           ///< First retry backoff.
  std::int64_t retry_max_ms = 60'000;         ///< Backoff ceiling.
  std::uint64_t max_object_bytes = 64ull << 20;  ///< Larger objects: refused.
  /// Largest decompressed payload accepted (bounds memory on hostile input).
  std::uint64_t max_payload_bytes = 256ull << 20;
  /// How often this device compares its own objects in the home with the
  /// copies it keeps and stores again what the home lost (also in the first
  /// round, and in the round after its head was found missing or damaged).
  std::int64_t audit_interval_ms = 3'600'000;
  /// False when this device's member was invited to the future only
  /// (SyncManager::invite_member with share_history false): log objects
  /// sealed with keys from before it joined, never sealed to it, are passed
  /// over instead of waited for. Set from the invite code.
  bool history_before_join = true;

  /// Injected storage: when set, used instead of cloud_home (tests, custom
  /// homes).
  home::HomeRef home;
  /// Who opens the home, for homes that authenticate (hub://): passed to
  /// the home as HomeUrlContext::credentials. Null: SyncManager makes them
  /// from its device's keys; a home opened without them can only probe.
  home::HomeCredentialsRef home_credentials;
  /// Injected randomness; null means SystemEntropy.
  EntropyRef entropy;
  /// Hash (64 hex digits) of the library's genesis member-log entry, from an
  /// invite or restore code. When set, the home's member log must start with
  /// that entry, and this device never founds a new library.
  std::string genesis_anchor;

  /// The reference constructor: defaults for everything else.
  static Config with_defaults(std::string library_dir, std::string device_name,
                              std::optional<CloudHomeConfig> cloud_home);

  /// Overrides fields from COVEN_* environment variables (table in
  /// README.md). Errors: kInvalidArgument naming the variable whose value is
  /// not a positive integer.
  Status apply_env();
};

/// Called whenever the manager needs the current configuration.
using ConfigProvider = std::function<Config()>;

/// The home URL (coven/home_url.h) a CloudHomeConfig maps onto: kLocal ->
/// file://PATH (or the URL itself), kS3 -> s3://..., the others ->
/// rclone://REMOTE:PATH?backend=drive|dropbox|onedrive|iclouddrive.
/// Errors: kInvalidArgument when a required container is missing.
Result<std::string> HomeUrlFor(const CloudHomeConfig& home);

/// Opens the home a Config names (the injected one, or cloud_home through
/// HomeUrlFor and home::OpenHomeUrl). Never creates anything: a folder home
/// whose directory is missing opens, and its calls report kUnavailable.
/// Errors: as the home's Open reports them (e.g. kFailedPrecondition
/// "backend unavailable" for iCloud on an rclone older than 1.69,
/// kUnauthenticated for missing S3 credentials). The home waits (network
/// retries) and dates its leftovers (folder) by `clock`, null meaning
/// clock::SystemClock, and draws jitter from Config::entropy.
Result<home::HomeRef> OpenHome(const Config& config,
                               clock::ClockRef clock = nullptr);

/// Makes the home a Config names the home of the new library `library_id`
/// (32 hex digits): creates a missing folder home's directory, then writes
/// the home's marker (docs/format/folder-home.md, "The home marker"). Call
/// it once, on the device that starts the library, before its first sync
/// (library::CreateLibrary does). Afterwards a SyncManager refuses, with
/// kUnavailable, a home that is missing, empty, without the marker or
/// marked for another library, rather than recreating it. OK if the home
/// already is this library's. Errors: kFailedPrecondition when the home
/// holds another library; the home's own errors.
Status CreateHome(const Config& config, std::string_view library_id);

}  // namespace coven::config

#endif  // COVEN_CONFIG_H_
