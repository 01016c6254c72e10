// OpenHomeUrl: splits a URL and hands it to the opener registered for its
// scheme (home_registry.cc). This file names no kind of home.
#include "coven/home_url.h"

#include <cstdlib>
#include <string>
#include <utility>

#include "coven/home_registry.h"
#include "home/home_registry_internal.h"
#include "util/percent.h"

namespace coven::home {
namespace {

// A URL scheme's characters, either case (RFC 3986: a scheme is
// case-insensitive).
bool IsSchemeChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '+';
}

std::string Lower(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return lower;
}

Result<HomeUrl> Parse(std::string_view url) {
  const std::size_t sep = url.find("://");
  if (sep == std::string_view::npos || sep == 0) {
    return InvalidArgumentError(
        "home URL must look like SCHEME://... (see docs/homes.md)");
  }
  HomeUrl parsed;
  parsed.scheme = Lower(url.substr(0, sep));
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

// The schemes of the homes this project ships, registered or not, and
// their URLs' form, for telling a mistyped URL from a folder path.
constexpr std::pair<std::string_view, std::string_view> kShippedSchemes[] = {
    {"file", "file:///PATH"},
    {"memory", "memory://"},
    {"hub", "hub://HOST:PORT/SPACE"},
    {"s3", "s3://BUCKET[/PREFIX]"},
    {"webdav", "webdav://HOST[:PORT]/PATH"},
    {"webdavs", "webdavs://HOST[:PORT]/PATH"},
    {"rclone", "rclone://REMOTE:PATH"},
};

// `scheme` (lower case) names a home this project ships or one the program
// registered.
bool IsKnownScheme(const std::string& scheme) {
  for (const auto& [known, form] : kShippedSchemes) {
    if (scheme == known) return true;
  }
  return static_cast<bool>(FindHomeOpener(scheme));
}

std::string UrlForm(const std::string& scheme) {
  for (const auto& [known, form] : kShippedSchemes) {
    if (scheme == known) return std::string(form);
  }
  return scheme + "://...";
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
    if (!IsSchemeChar(c)) return false;
  }
  return true;
}

Status CheckHomeFolderPath(std::string_view path) {
  if (IsHomeUrl(path)) return Status::Ok();
  const std::string_view first = path.substr(0, path.find('/'));
  const std::size_t colon = first.find(':');
  if (colon == std::string_view::npos || colon == 0) return Status::Ok();
  const std::string scheme = Lower(first.substr(0, colon));
  if (!IsKnownScheme(scheme)) return Status::Ok();
  std::string_view rest = path.substr(colon + 1);
  while (rest.starts_with('/')) rest.remove_prefix(1);
  std::string meant = std::string(UrlForm(scheme));
  if (!rest.empty()) {
    meant = scheme + (scheme == "file" ? ":///" : "://") + std::string(rest);
    if (scheme == "hub" && rest.find('/') == std::string_view::npos) {
      meant += "/SPACE";
    }
    meant += " (" + std::string(UrlForm(scheme)) + ")";
  }
  return InvalidArgumentError(
      "home \"" + std::string(path) + "\" looks like a " + scheme +
      " home URL without \"//\": write " + meant +
      "; to use a folder named \"" + std::string(first) + "\", write ./" +
      std::string(path));
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
