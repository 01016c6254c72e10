// OpenHomeUrl: splits a URL and hands it to the opener registered for its
// scheme (home_registry.cc). This file names no kind of home.
#include "coven/home_url.h"

#include <cstdlib>
#include <string>

#include "coven/home_registry.h"
#include "home/home_registry_internal.h"
#include "util/percent.h"

namespace coven::home {
namespace {

Result<HomeUrl> Parse(std::string_view url) {
  const std::size_t sep = url.find("://");
  if (sep == std::string_view::npos || sep == 0) {
    return InvalidArgumentError(
        "home URL must look like SCHEME://... (see docs/homes.md)");
  }
  HomeUrl parsed;
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
      parsed.params[util::PercentDecode(pair.substr(0, eq))] =
          eq == std::string_view::npos
              ? std::string()
              : util::PercentDecode(pair.substr(eq + 1));
    }
  }
  parsed.rest = std::string(rest);
  return parsed;
}

std::string SchemeList() {
  std::string list;
  for (const std::string& scheme : RegisteredHomeSchemes()) {
    if (!list.empty()) list += ", ";
    list += scheme;
  }
  return list;
}

// What to say about a scheme no opener is registered for. The schemes this
// project ships but that live in libraries the program may not link get the
// link advice (a program that links them never says this); any other scheme
// is named with the ones that work, and the usual near misses (hubs://,
// http(s)://) are pointed at the scheme they meant.
Status UnknownScheme(const std::string& scheme) {
  std::string message = "home URL scheme \"" + scheme +
                        "\" is not supported (supported: " + SchemeList() + ")";
  if (scheme == "s3" || scheme == "webdav" || scheme == "webdavs" ||
      scheme == "rclone") {
    message +=
        "; the s3, webdav, webdavs and rclone homes come with coven::coven: "
        "link it and call coven::RegisterBuiltins() once at start "
        "(coven/builtins.h)";
  } else if (scheme == "hub") {
    message +=
        "; hub:// comes with coven::hub: link it and call "
        "coven::hub::RegisterHubHome() once at start (coven/hub_home.h)";
  } else if (scheme == "hubs" || scheme == "hub+tls" || scheme == "grpc" ||
             scheme == "grpcs") {
    message +=
        "; for a coven hub use hub://HOST:PORT/SPACE, which uses TLS "
        "unless the URL adds ?plaintext=1";
  } else if (scheme == "http" || scheme == "https") {
    message +=
        "; for a WebDAV server use webdavs://HOST[:PORT]/PATH (HTTPS) or "
        "webdav://HOST[:PORT]/PATH (HTTP); for S3 or S3-compatible storage "
        "use s3://BUCKET[/PREFIX] (see docs/homes.md)";
  } else {
    message += "; see docs/homes.md for the URL of each kind of home";
  }
  return InvalidArgumentError(std::move(message));
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
  COVEN_ASSIGN_OR_RETURN(HomeUrl parsed, Parse(url));
  HomeOpener opener = FindHomeOpener(parsed.scheme);
  if (!opener) return UnknownScheme(parsed.scheme);
  return opener(std::move(parsed), context);
}

}  // namespace coven::home
