// The home registry: which URL schemes OpenHomeUrl (home_url.h) can open.
//
// The core registers "file" and "memory" itself. Every other kind of home
// registers its scheme from its own library, so a new scheme (a hub, say)
// plugs in without editing the core:
//
//   coven::RegisterBuiltins();            // s3, webdav, webdavs, rclone
//                                         // (coven/builtins.h, coven::coven)
//   coven::home::RegisterHome("hub", OpenHubHome);   // your own
//
// An opener receives the URL split into scheme, the rest and the decoded
// query parameters. It takes the parameters it understands (TakeParam and
// friends) and calls CheckNoParamsLeft, so a misspelt parameter is an error.
//
// Thread safety: every function here may be called from any thread.
// Registering while another thread opens a URL is safe; the open sees the
// registry before or after the change.
#ifndef COVEN_HOME_REGISTRY_H_
#define COVEN_HOME_REGISTRY_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "coven/home.h"
#include "coven/home_url.h"
#include "coven/network_options.h"
#include "coven/status.h"

namespace coven::home {

/// A home URL split into its parts: SCHEME://REST?NAME=VALUE&...
struct HomeUrl {
  std::string scheme;  ///< Before "://", in lower case, e.g. "s3".
  std::string rest;    ///< After "://", before the last '?'; still encoded.
  /// The query, percent-decoded. An opener takes out what it understands.
  std::map<std::string, std::string, std::less<>> params;
};

/// Opens the home `url` names. Errors as OpenHomeUrl documents. Takes
/// `url` by value so that it may consume url.params.
/// `context` carries the host's environment, clock and entropy.
using HomeOpener =
    std::function<Result<HomeRef>(HomeUrl url, const HomeUrlContext& context)>;

/// Makes `opener` the one OpenHomeUrl uses for SCHEME:// URLs, replacing
/// any earlier registration of `scheme` (so registering twice is harmless).
/// Errors: kInvalidArgument when `scheme` is empty or has characters other
/// than a-z, 0-9 and '+', or `opener` is empty.
Status RegisterHome(std::string scheme, HomeOpener opener);

/// The registered schemes, sorted ("file" and "memory" always among them).
std::vector<std::string> RegisteredHomeSchemes();

/// Removes and returns the query parameter `name`, if present.
std::optional<std::string> TakeParam(HomeUrl& url, std::string_view name);

/// Takes `name` as a positive integer into `*out` (left alone when absent).
/// kInvalidArgument when the value is not a positive integer.
Status TakePositiveIntParam(HomeUrl& url, std::string_view name,
                            std::int64_t* out);

/// Takes the parameters every network home accepts: attempts=, timeout_ms=
/// and connect_timeout_ms= (docs/homes.md), and the clock and entropy of
/// `context` (the backoff waits on them). kInvalidArgument as above.
Status TakeNetworkParams(HomeUrl& url, const HomeUrlContext& context,
                         NetworkOptions* network);

/// kInvalidArgument naming the first parameter no one took, else OK.
Status CheckNoParamsLeft(const HomeUrl& url);

/// kInvalidArgument when the authority (REST before its first '/') holds
/// credentials ("user:secret@host"); the message never echoes them. Network
/// openers call it first: credentials belong in the environment.
Status RefuseUrlCredentials(const HomeUrl& url);

}  // namespace coven::home

#endif  // COVEN_HOME_REGISTRY_H_
