#include "coven/config.h"

#include <cstdlib>

#include "coven/folder_home.h"
#include "coven/home_url.h"
#include "sync/home_marker.h"

namespace coven::config {

Config Config::with_defaults(std::string library_dir, std::string device_name,
                             std::optional<CloudHomeConfig> cloud_home) {
  Config config;
  config.library_dir = std::move(library_dir);
  config.device_name = std::move(device_name);
  config.cloud_home = std::move(cloud_home);
  return config;
}

namespace {

Status ReadPositive(const char* name, std::int64_t* out) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return Status::Ok();
  char* end = nullptr;
  long long parsed = std::strtoll(value, &end, 10);
  if (*end != '\0' || parsed <= 0) {
    return InvalidArgumentError(std::string(name) + "=`" + value +
                                "` is not a positive integer");
  }
  *out = parsed;
  return Status::Ok();
}

}  // namespace

Status Config::apply_env() {
  if (const char* dir = std::getenv("COVEN_LIBRARY_DIR"); dir && *dir)
    library_dir = dir;
  if (const char* name = std::getenv("COVEN_DEVICE_NAME"); name && *name)
    device_name = name;
  if (const char* home = std::getenv("COVEN_HOME"); home && *home) {
    cloud_home =
        CloudHomeConfig{CloudProvider::kLocal, std::nullopt, std::string(home)};
  }
  COVEN_RETURN_IF_ERROR(
      ReadPositive("COVEN_SYNC_INTERVAL_MS", &sync_interval_ms));
  COVEN_RETURN_IF_ERROR(
      ReadPositive("COVEN_MAX_CLOCK_DRIFT_MS", &max_clock_drift_ms));
  COVEN_RETURN_IF_ERROR(ReadPositive("COVEN_RETRY_BASE_MS", &retry_base_ms));
  COVEN_RETURN_IF_ERROR(ReadPositive("COVEN_RETRY_MAX_MS", &retry_max_ms));
  COVEN_RETURN_IF_ERROR(
      ReadPositive("COVEN_AUDIT_INTERVAL_MS", &audit_interval_ms));
  std::int64_t max_bytes = static_cast<std::int64_t>(max_object_bytes);
  COVEN_RETURN_IF_ERROR(ReadPositive("COVEN_MAX_OBJECT_BYTES", &max_bytes));
  max_object_bytes = static_cast<std::uint64_t>(max_bytes);
  return Status::Ok();
}

Result<std::string> HomeUrlFor(const CloudHomeConfig& home) {
  const std::string container = home.container.value_or("");
  struct Rclone {
    const char* remote;   // Default remote name.
    const char* backend;  // rclone backend the remote must use.
  };
  Rclone rclone{};
  switch (home.provider) {
    case CloudProvider::kLocal:
      if (container.empty()) {
        return InvalidArgumentError(
            "local home: set CloudHomeConfig::container to the folder path "
            "(or a home URL)");
      }
      if (home::IsHomeUrl(container)) return container;
      COVEN_RETURN_IF_ERROR(home::CheckHomeFolderPath(container));
      return "file://" + container;
    case CloudProvider::kS3:
      if (container.empty()) {
        return InvalidArgumentError(
            "S3 home: set CloudHomeConfig::container to "
            "\"BUCKET[/PREFIX][?region=...&endpoint=...]\"");
      }
      return home::IsHomeUrl(container) ? container : "s3://" + container;
    case CloudProvider::kGoogleDrive:
      rclone = {"gdrive", "drive"};
      break;
    case CloudProvider::kDropbox:
      rclone = {"dropbox", "dropbox"};
      break;
    case CloudProvider::kOneDrive:
      rclone = {"onedrive", "onedrive"};
      break;
    case CloudProvider::kICloud:
      rclone = {"icloud", "iclouddrive"};
      break;
  }
  // "REMOTE:PATH" names the rclone remote; a bare path uses the provider's
  // default remote name (what README "Cloud homes" tells `rclone config` to
  // create).
  const std::string remote =
      container.find(':') != std::string::npos
          ? container
          : std::string(rclone.remote) + ":" +
                (container.empty() ? std::string("coven") : container);
  return "rclone://" + remote + "?backend=" + rclone.backend;
}

Result<home::HomeRef> OpenHome(const Config& config, clock::ClockRef clock) {
  if (config.home) return config.home;
  if (!config.cloud_home.has_value()) {
    return FailedPreconditionError(
        "no home configured: set Config::cloud_home (for a folder: provider "
        "kLocal with container = the folder path)");
  }
  COVEN_ASSIGN_OR_RETURN(std::string url, HomeUrlFor(*config.cloud_home));
  if (url.starts_with("file://")) {
    // A plain folder path, passed through undecoded.
    COVEN_ASSIGN_OR_RETURN(auto folder,
                           home::FolderHome::Open(url.substr(7), clock));
    return home::HomeRef(std::move(folder));
  }
  home::HomeUrlContext context;
  context.clock = std::move(clock);
  context.entropy = config.entropy;
  context.credentials = config.home_credentials;
  return home::OpenHomeUrl(url, context);
}

Status CreateHome(const Config& config, std::string_view library_id) {
  home::HomeRef home;
  if (config.home || !config.cloud_home.has_value()) {
    COVEN_ASSIGN_OR_RETURN(home, OpenHome(config));
  } else {
    COVEN_ASSIGN_OR_RETURN(std::string url, HomeUrlFor(*config.cloud_home));
    if (url.starts_with("file://")) {
      COVEN_ASSIGN_OR_RETURN(auto folder,
                             home::FolderHome::OpenOrCreate(url.substr(7)));
      home = std::move(folder);
    } else {
      home::HomeUrlContext context;
      context.entropy = config.entropy;
      context.credentials = config.home_credentials;
      COVEN_ASSIGN_OR_RETURN(home, home::OpenHomeUrl(url, context));
    }
  }
  return sync::MarkNewHome(*home, library_id);
}

}  // namespace coven::config
