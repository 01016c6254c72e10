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

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "coven/bytes.h"
#include "coven/clock.h"
#include "coven/entropy.h"
#include "coven/home.h"
#include "coven/status.h"

namespace coven::home {

/// Looks up an environment variable; tests inject their own.
using EnvLookup = std::function<std::optional<std::string>(const char* name)>;

/// The process environment.
std::optional<std::string> ProcessEnv(const char* name);

/// Keys with which a home may prove who is asking. The hub (hub://) signs
/// its registration challenge with them; storage homes ignore them. coven
/// makes one over the device's key store when it opens a library's home
/// (Config::home_credentials); without one a hub home can only probe.
///
/// Thread safety: every member may be called from any thread.
class HomeCredentials {
 public:
  virtual ~HomeCredentials() = default;
  /// The device's Ed25519 public key.
  virtual std::array<std::uint8_t, 32> device_public_key() const = 0;
  /// Ed25519 signature of `message` by the device key. Errors: the key
  /// store's (kUnavailable for a locked keyring, ...).
  virtual Result<std::array<std::uint8_t, 64>> SignAsDevice(
      ByteView message) const = 0;
  /// The member signing key, when this device holds its member's seed (a
  /// device that is joining or restoring and not yet in the member log).
  virtual std::optional<std::array<std::uint8_t, 32>> member_public_key()
      const = 0;
  /// Signature by the member signing key. kNotFound without the seed.
  virtual Result<std::array<std::uint8_t, 64>> SignAsMember(
      ByteView message) const = 0;
};

using HomeCredentialsRef = std::shared_ptr<const HomeCredentials>;

/// What a home opened from a URL takes from its host besides the URL.
struct HomeUrlContext {
  /// Where credentials and program paths are looked up.
  EnvLookup env = ProcessEnv;
  /// The host's clock: network homes sleep on it between retries, a folder
  /// home dates its leftover temporary files by it. Null: clock::SystemClock.
  clock::ClockRef clock;
  /// Jitter for the network homes' backoff. Null: SystemEntropy.
  EntropyRef entropy;
  /// Who is asking, for homes that authenticate (the hub). Null: nobody.
  HomeCredentialsRef credentials;
};

/// Opens the home `url` names (see above). Errors: kInvalidArgument for a
/// malformed URL, an unknown parameter (naming it, never echoing
/// credentials) or a scheme no one registered (the message says what to
/// link and call); kUnauthenticated when required credentials are missing;
/// whatever the home's Open reports otherwise. The caller owns the home.
Result<HomeRef> OpenHomeUrl(std::string_view url,
                            const EnvLookup& env = ProcessEnv);
/// As above, with the host's environment, clock and entropy.
Result<HomeRef> OpenHomeUrl(std::string_view url,
                            const HomeUrlContext& context);

/// True if `text` looks like a home URL (has a "scheme://"), as opposed to a
/// plain folder path. The scheme may be in either case (HUB:// is hub://).
bool IsHomeUrl(std::string_view text);

/// Checks a home given where a URL or a folder path may go (library
/// settings, CloudHomeConfig kLocal). A URL passes (see IsHomeUrl), and so
/// does a folder path, unless its first component is "SCHEME:..." for a
/// shipped or registered scheme in either case (hub:host:1234, s3:bucket,
/// HUB:/x): that is a URL missing its "//", not a folder. An absolute path
/// and ./hub:x pass. Errors: kInvalidArgument, showing the URL's right form
/// and how to name such a folder.
Status CheckHomeFolderPath(std::string_view path);

}  // namespace coven::home

#endif  // COVEN_HOME_URL_H_
