#include "coven/config.h"

#include <cstdlib>

#include "coven/folder_home.h"

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
  std::int64_t max_bytes = static_cast<std::int64_t>(max_object_bytes);
  COVEN_RETURN_IF_ERROR(ReadPositive("COVEN_MAX_OBJECT_BYTES", &max_bytes));
  max_object_bytes = static_cast<std::uint64_t>(max_bytes);
  return Status::Ok();
}

Result<home::HomeRef> OpenHome(const Config& config) {
  if (config.home) return config.home;
  if (!config.cloud_home.has_value()) {
    return FailedPreconditionError(
        "no home configured: set Config::cloud_home (for a folder: provider "
        "kLocal with container = the folder path)");
  }
  const CloudHomeConfig& home = *config.cloud_home;
  switch (home.provider) {
    case CloudProvider::kLocal: {
      if (!home.container.has_value() || home.container->empty()) {
        return InvalidArgumentError(
            "local home: set CloudHomeConfig::container to the folder path");
      }
      COVEN_ASSIGN_OR_RETURN(auto folder,
                             home::FolderHome::Open(*home.container));
      return home::HomeRef(std::move(folder));
    }
    case CloudProvider::kS3:
      return UnimplementedError(
          "S3 homes are not available in this build yet; "
          "use a local folder home");
    default:
      return UnimplementedError(
          "rclone-backed homes (Google Drive, Dropbox, "
          "OneDrive, iCloud) are not available in this "
          "build yet; use a local folder home");
  }
}

}  // namespace coven::config
