// Opening a home from a URL. Which schemes open depends on the registry
// (home_registry.h): file:// and memory:// always; the network schemes once
// coven::RegisterBuiltins() (coven/builtins.h) has run.
//
//   file:///srv/coven/todos          a folder (FolderHome)
//   memory://                        a new, empty in-memory home (tests)
//   s3://BUCKET[/PREFIX][?region=R&endpoint=URL&addressing=path|virtual
//        &create=probe|native|emulated&listing=server|local
//        &atomic_replace=1|0&multipart_threshold=BYTES]
//   webdav://HOST[:PORT]/PATH        WebDAV over http (webdavs:// for https)
//        [?create=probe|native|emulated]
//   rclone://REMOTE:PATH[?backend=drive|dropbox|onedrive|iclouddrive|...]
//
// Every network URL also takes timeout_ms=, connect_timeout_ms= and
// attempts=. Credentials never go in the URL (one that has user:password@ is
// refused); they come from the environment:
//   S3:     AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN
//           (region default: AWS_REGION, then AWS_DEFAULT_REGION, then
//           us-east-1; endpoint default https://s3.REGION.amazonaws.com,
//           virtual-hosted there and path-style elsewhere)
//   WebDAV: COVEN_WEBDAV_USER, COVEN_WEBDAV_PASSWORD
//   rclone: the remote's own rclone.conf (COVEN_RCLONE_CONFIG to choose
//           one; COVEN_RCLONE for the rclone program)
// See docs/homes.md.
//
// Thread safety: OpenHomeUrl may be called from any thread.
#ifndef COVEN_HOME_URL_H_
#define COVEN_HOME_URL_H_

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "coven/home.h"
#include "coven/status.h"

namespace coven::home {

/// Looks up an environment variable; tests inject their own.
using EnvLookup = std::function<std::optional<std::string>(const char* name)>;

/// The process environment.
std::optional<std::string> ProcessEnv(const char* name);

/// Opens the home `url` names (see above). Errors: kInvalidArgument for a
/// malformed URL, an unknown parameter (naming it, never echoing
/// credentials) or a scheme no one registered (the message says what to
/// link and call); kUnauthenticated when required credentials are missing;
/// whatever the home's Open reports otherwise. The caller owns the home.
Result<HomeRef> OpenHomeUrl(std::string_view url,
                            const EnvLookup& env = ProcessEnv);

/// True if `text` looks like a home URL (has a "scheme://"), as opposed to a
/// plain folder path.
bool IsHomeUrl(std::string_view text);

}  // namespace coven::home

#endif  // COVEN_HOME_URL_H_
