#include "coven/config.h"

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
      COVEN_ASSIGN_OR_RETURN(auto folder, home::FolderHome::Open(*home.container));
      return home::HomeRef(std::move(folder));
    }
    case CloudProvider::kS3:
      return UnimplementedError("S3 homes are not available in this build yet; "
                                "use a local folder home");
    default:
      return UnimplementedError("rclone-backed homes (Google Drive, Dropbox, "
                                "OneDrive, iCloud) are not available in this "
                                "build yet; use a local folder home");
  }
}

}  // namespace coven::config
