// The network homes' URL openers (s3, webdav, webdavs, rclone), registered
// with the core's home registry by RegisterNetworkHomes.
#include "coven/network_homes.h"

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "coven/home_registry.h"
#include "coven/rclone_home.h"
#include "coven/s3_home.h"
#include "coven/webdav_home.h"

namespace coven::home {
namespace {

template <typename Mode>
Status TakeCreateMode(HomeUrl& url, Mode* mode) {
  std::optional<std::string> value = TakeParam(url, "create");
  if (!value.has_value()) return Status::Ok();
  if (*value == "probe") {
    *mode = Mode::kProbe;
  } else if (*value == "native") {
    *mode = Mode::kNative;
  } else if (*value == "emulated") {
    *mode = Mode::kEmulated;
  } else {
    return InvalidArgumentError("home URL parameter create=" + *value +
                                ": expected probe, native or emulated");
  }
  return Status::Ok();
}

Result<HomeRef> OpenS3(HomeUrl url, const EnvLookup& env) {
  COVEN_RETURN_IF_ERROR(RefuseUrlCredentials(url));
  S3HomeOptions options;
  const std::size_t slash = url.rest.find('/');
  options.bucket = url.rest.substr(0, slash);
  options.prefix =
      slash == std::string::npos ? std::string() : url.rest.substr(slash + 1);
  options.region =
      TakeParam(url, "region")
          .value_or(
              env("AWS_REGION")
                  .value_or(env("AWS_DEFAULT_REGION").value_or("us-east-1")));
  std::optional<std::string> endpoint = TakeParam(url, "endpoint");
  options.endpoint =
      endpoint.value_or("https://s3." + options.region + ".amazonaws.com");
  const bool aws = options.endpoint.find(".amazonaws.com") != std::string::npos;
  const std::string addressing =
      TakeParam(url, "addressing").value_or(aws ? "virtual" : "path");
  if (addressing != "path" && addressing != "virtual") {
    return InvalidArgumentError("s3 home URL: addressing=" + addressing +
                                ": expected path or virtual");
  }
  options.addressing = addressing == "path"
                           ? S3HomeOptions::Addressing::kPath
                           : S3HomeOptions::Addressing::kVirtual;
  COVEN_RETURN_IF_ERROR(TakeCreateMode(url, &options.create_mode));
  const std::string listing = TakeParam(url, "listing").value_or("server");
  if (listing != "server" && listing != "local") {
    return InvalidArgumentError("s3 home URL: listing=" + listing +
                                ": expected server or local");
  }
  options.server_sorted_list = listing == "server";
  options.atomic_replace =
      TakeParam(url, "atomic_replace").value_or("1") != "0";
  std::int64_t threshold =
      static_cast<std::int64_t>(options.multipart_threshold);
  COVEN_RETURN_IF_ERROR(
      TakePositiveIntParam(url, "multipart_threshold", &threshold));
  options.multipart_threshold = static_cast<std::uint64_t>(threshold);
  COVEN_RETURN_IF_ERROR(TakeNetworkParams(url, &options.network));
  COVEN_RETURN_IF_ERROR(CheckNoParamsLeft(url));
  options.credentials.access_key_id = env("AWS_ACCESS_KEY_ID").value_or("");
  options.credentials.secret_access_key =
      env("AWS_SECRET_ACCESS_KEY").value_or("");
  options.credentials.session_token = env("AWS_SESSION_TOKEN").value_or("");
  COVEN_ASSIGN_OR_RETURN(std::shared_ptr<S3Home> home,
                         S3Home::Open(std::move(options)));
  return HomeRef(std::move(home));
}

Result<HomeRef> OpenWebDav(HomeUrl url, const EnvLookup& env) {
  COVEN_RETURN_IF_ERROR(RefuseUrlCredentials(url));
  WebDavHomeOptions options;
  options.url = (url.scheme == "webdavs" ? "https://" : "http://") + url.rest;
  COVEN_RETURN_IF_ERROR(TakeCreateMode(url, &options.create_mode));
  COVEN_RETURN_IF_ERROR(TakeNetworkParams(url, &options.network));
  COVEN_RETURN_IF_ERROR(CheckNoParamsLeft(url));
  options.user = env("COVEN_WEBDAV_USER").value_or("");
  options.password = env("COVEN_WEBDAV_PASSWORD").value_or("");
  COVEN_ASSIGN_OR_RETURN(std::shared_ptr<WebDavHome> home,
                         WebDavHome::Open(std::move(options)));
  return HomeRef(std::move(home));
}

Result<HomeRef> OpenRclone(HomeUrl url, const EnvLookup& env) {
  RcloneHomeOptions options;
  options.remote = url.rest;
  options.required_backend = TakeParam(url, "backend").value_or("");
  COVEN_RETURN_IF_ERROR(TakeNetworkParams(url, &options.network));
  COVEN_RETURN_IF_ERROR(CheckNoParamsLeft(url));
  options.rclone = env("COVEN_RCLONE").value_or("rclone");
  options.config_path = env("COVEN_RCLONE_CONFIG").value_or("");
  COVEN_ASSIGN_OR_RETURN(std::shared_ptr<RcloneHome> home,
                         RcloneHome::Open(std::move(options)));
  return HomeRef(std::move(home));
}

}  // namespace

void RegisterNetworkHomes() {
  // Valid constant schemes and non-empty openers: these cannot fail.
  (void)RegisterHome("s3", OpenS3);
  (void)RegisterHome("webdav", OpenWebDav);
  (void)RegisterHome("webdavs", OpenWebDav);
  (void)RegisterHome("rclone", OpenRclone);
}

}  // namespace coven::home
