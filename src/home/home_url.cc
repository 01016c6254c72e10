#include "coven/home_url.h"

#include <cstdlib>
#include <map>

#include "coven/folder_home.h"
#include "coven/memory_home.h"
#include "coven/rclone_home.h"
#include "coven/s3_home.h"
#include "coven/webdav_home.h"
#include "home/http/http_client.h"

namespace coven::home {
namespace {

using Params = std::map<std::string, std::string, std::less<>>;

struct ParsedUrl {
  std::string scheme;
  std::string rest;  // After "://", before '?'.
  Params params;
};

Result<ParsedUrl> Parse(std::string_view url) {
  const std::size_t sep = url.find("://");
  if (sep == std::string_view::npos || sep == 0) {
    return InvalidArgumentError(
        "home URL must look like SCHEME://...; schemes: file, memory, s3, "
        "webdav, webdavs, rclone");
  }
  ParsedUrl parsed;
  parsed.scheme = std::string(url.substr(0, sep));
  std::string_view rest = url.substr(sep + 3);
  const std::size_t query = rest.rfind('?');
  if (query != std::string_view::npos) {
    std::string_view params = rest.substr(query + 1);
    rest = rest.substr(0, query);
    while (!params.empty()) {
      const std::size_t amp = params.find('&');
      std::string_view pair = params.substr(0, amp);
      params = amp == std::string_view::npos ? std::string_view()
                                             : params.substr(amp + 1);
      if (pair.empty()) continue;
      const std::size_t eq = pair.find('=');
      parsed.params[http::PercentDecode(pair.substr(0, eq))] =
          eq == std::string_view::npos
              ? std::string()
              : http::PercentDecode(pair.substr(eq + 1));
    }
  }
  parsed.rest = std::string(rest);
  // Userinfo ("user:secret@host") before the first '/' of an authority.
  if (parsed.scheme != "rclone" && parsed.scheme != "file") {
    const std::string_view authority =
        std::string_view(parsed.rest).substr(0, parsed.rest.find('/'));
    if (authority.find('@') != std::string_view::npos) {
      return InvalidArgumentError(
          parsed.scheme +
          " home URL must not contain credentials (user:password@); put them "
          "in the environment (see docs/homes.md)");
    }
  }
  return parsed;
}

// Takes `name` out of `params`; unknown leftovers are an error later.
std::optional<std::string> Take(Params& params, std::string_view name) {
  auto it = params.find(name);
  if (it == params.end()) return std::nullopt;
  std::string value = it->second;
  params.erase(it);
  return value;
}

Status TakeInt(Params& params, std::string_view name, std::int64_t* out) {
  std::optional<std::string> value = Take(params, name);
  if (!value.has_value()) return Status::Ok();
  char* end = nullptr;
  const long long parsed = std::strtoll(value->c_str(), &end, 10);
  if (value->empty() || *end != '\0' || parsed <= 0) {
    return InvalidArgumentError("home URL parameter " + std::string(name) +
                                "=" + *value + " is not a positive integer");
  }
  *out = parsed;
  return Status::Ok();
}

Status TakeNetwork(Params& params, const HomeUrlContext& context,
                   NetworkOptions* network) {
  network->clock = context.clock;
  network->entropy = context.entropy;
  std::int64_t attempts = network->max_attempts;
  COVEN_RETURN_IF_ERROR(TakeInt(params, "attempts", &attempts));
  network->max_attempts = static_cast<int>(attempts);
  COVEN_RETURN_IF_ERROR(
      TakeInt(params, "timeout_ms", &network->request_timeout_ms));
  return TakeInt(params, "connect_timeout_ms", &network->connect_timeout_ms);
}

Status NoLeftovers(const ParsedUrl& url) {
  if (url.params.empty()) return Status::Ok();
  return InvalidArgumentError(url.scheme + " home URL: unknown parameter \"" +
                              url.params.begin()->first +
                              "\" (see docs/homes.md)");
}

template <typename Mode>
Status TakeCreateMode(Params& params, Mode* mode) {
  std::optional<std::string> value = Take(params, "create");
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

Result<HomeRef> OpenS3(ParsedUrl url, const HomeUrlContext& context) {
  const EnvLookup& env = context.env;
  S3HomeOptions options;
  const std::size_t slash = url.rest.find('/');
  options.bucket = url.rest.substr(0, slash);
  options.prefix =
      slash == std::string::npos ? std::string() : url.rest.substr(slash + 1);
  options.region =
      Take(url.params, "region")
          .value_or(
              env("AWS_REGION")
                  .value_or(env("AWS_DEFAULT_REGION").value_or("us-east-1")));
  std::optional<std::string> endpoint = Take(url.params, "endpoint");
  options.endpoint =
      endpoint.value_or("https://s3." + options.region + ".amazonaws.com");
  const bool aws = options.endpoint.find(".amazonaws.com") != std::string::npos;
  const std::string addressing =
      Take(url.params, "addressing").value_or(aws ? "virtual" : "path");
  if (addressing != "path" && addressing != "virtual") {
    return InvalidArgumentError("s3 home URL: addressing=" + addressing +
                                ": expected path or virtual");
  }
  options.addressing = addressing == "path"
                           ? S3HomeOptions::Addressing::kPath
                           : S3HomeOptions::Addressing::kVirtual;
  COVEN_RETURN_IF_ERROR(TakeCreateMode(url.params, &options.create_mode));
  const std::string listing = Take(url.params, "listing").value_or("server");
  if (listing != "server" && listing != "local") {
    return InvalidArgumentError("s3 home URL: listing=" + listing +
                                ": expected server or local");
  }
  options.server_sorted_list = listing == "server";
  options.atomic_replace =
      Take(url.params, "atomic_replace").value_or("1") != "0";
  std::int64_t threshold =
      static_cast<std::int64_t>(options.multipart_threshold);
  COVEN_RETURN_IF_ERROR(TakeInt(url.params, "multipart_threshold", &threshold));
  options.multipart_threshold = static_cast<std::uint64_t>(threshold);
  COVEN_RETURN_IF_ERROR(TakeNetwork(url.params, context, &options.network));
  COVEN_RETURN_IF_ERROR(NoLeftovers(url));
  options.credentials.access_key_id = env("AWS_ACCESS_KEY_ID").value_or("");
  options.credentials.secret_access_key =
      env("AWS_SECRET_ACCESS_KEY").value_or("");
  options.credentials.session_token = env("AWS_SESSION_TOKEN").value_or("");
  COVEN_ASSIGN_OR_RETURN(std::shared_ptr<S3Home> home,
                         S3Home::Open(std::move(options)));
  return HomeRef(std::move(home));
}

Result<HomeRef> OpenWebDav(ParsedUrl url, const HomeUrlContext& context) {
  const EnvLookup& env = context.env;
  WebDavHomeOptions options;
  options.url = (url.scheme == "webdavs" ? "https://" : "http://") + url.rest;
  COVEN_RETURN_IF_ERROR(TakeCreateMode(url.params, &options.create_mode));
  COVEN_RETURN_IF_ERROR(TakeNetwork(url.params, context, &options.network));
  COVEN_RETURN_IF_ERROR(NoLeftovers(url));
  options.user = env("COVEN_WEBDAV_USER").value_or("");
  options.password = env("COVEN_WEBDAV_PASSWORD").value_or("");
  COVEN_ASSIGN_OR_RETURN(std::shared_ptr<WebDavHome> home,
                         WebDavHome::Open(std::move(options)));
  return HomeRef(std::move(home));
}

Result<HomeRef> OpenRclone(ParsedUrl url, const HomeUrlContext& context) {
  const EnvLookup& env = context.env;
  RcloneHomeOptions options;
  options.remote = url.rest;
  options.required_backend = Take(url.params, "backend").value_or("");
  COVEN_RETURN_IF_ERROR(TakeNetwork(url.params, context, &options.network));
  COVEN_RETURN_IF_ERROR(NoLeftovers(url));
  options.rclone = env("COVEN_RCLONE").value_or("rclone");
  options.config_path = env("COVEN_RCLONE_CONFIG").value_or("");
  COVEN_ASSIGN_OR_RETURN(std::shared_ptr<RcloneHome> home,
                         RcloneHome::Open(std::move(options)));
  return HomeRef(std::move(home));
}

}  // namespace

std::optional<std::string> ProcessEnv(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

bool IsHomeUrl(std::string_view text) {
  const std::size_t sep = text.find("://");
  if (sep == std::string_view::npos || sep == 0) return false;
  for (char c : text.substr(0, sep)) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+')) {
      return false;
    }
  }
  return true;
}

Result<HomeRef> OpenHomeUrl(std::string_view url, const EnvLookup& env) {
  HomeUrlContext context;
  context.env = env;
  return OpenHomeUrl(url, context);
}

Result<HomeRef> OpenHomeUrl(std::string_view url,
                            const HomeUrlContext& context) {
  COVEN_ASSIGN_OR_RETURN(ParsedUrl parsed, Parse(url));
  if (parsed.scheme == "file") {
    COVEN_RETURN_IF_ERROR(NoLeftovers(parsed));
    if (parsed.rest.empty()) {
      return InvalidArgumentError("file home URL needs a path: file:///dir");
    }
    COVEN_ASSIGN_OR_RETURN(
        std::shared_ptr<FolderHome> home,
        FolderHome::Open(http::PercentDecode(parsed.rest), context.clock));
    return HomeRef(std::move(home));
  }
  if (parsed.scheme == "memory") {
    COVEN_RETURN_IF_ERROR(NoLeftovers(parsed));
    return HomeRef(MemoryHome::Create());
  }
  if (parsed.scheme == "s3") return OpenS3(std::move(parsed), context);
  if (parsed.scheme == "webdav" || parsed.scheme == "webdavs") {
    return OpenWebDav(std::move(parsed), context);
  }
  if (parsed.scheme == "rclone") return OpenRclone(std::move(parsed), context);
  return InvalidArgumentError("unknown home URL scheme \"" + parsed.scheme +
                              "\"; expected file, memory, s3, webdav, "
                              "webdavs or rclone");
}

}  // namespace coven::home
