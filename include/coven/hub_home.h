// The hub:// home: a library's home on a coven-hub (library coven::hub,
// built when coven is built with COVEN_BUILD_HUB; it links gRPC, which
// coven::coven does not).
//
//   coven::RegisterBuiltins();
//   coven::hub::RegisterHubHome();    // hub:// URLs open from here on
//
//   hub://HOST:PORT/SPACE[?plaintext=1&ca=FILE&timeout_ms=MS&attempts=N]
//
// SPACE is one library's space on the hub ([a-z0-9._-]{1,64}, not starting
// with '.'). The connection uses TLS with the system's root certificates, or
// with the roots in ca=FILE (default: the file COVEN_HUB_CA_FILE names);
// plaintext=1 turns TLS off (tests, a hub on the same machine). timeout_ms
// is every call's deadline, attempts how often a call that found the hub
// unavailable is tried (with backoff on the host's clock). Credentials never
// go in the URL: the device proves itself with its own keys
// (HomeUrlContext::credentials, which coven fills in from the device's key
// store). Opened without them, the home can only read the space's marker
// (coven-library.json) and tell whether the space exists; every other call
// fails with kUnauthenticated.
//
// The home is also a remote::RemoteSource: the sync engine then lists
// heads, pulls logs, publishes in one all-or-nothing push and waits for
// live hints from the hub (remote::RemoteFor).
//
// Thread safety: the functions may be called from any thread; the home they
// open may be used from several threads at once (as every Home).
#ifndef COVEN_HUB_HOME_H_
#define COVEN_HUB_HOME_H_

#include "coven/home.h"
#include "coven/home_registry.h"
#include "coven/home_url.h"
#include "coven/status.h"

namespace coven::hub {

/// Registers the "hub" scheme with the home registry (home_registry.h), so
/// that home::OpenHomeUrl opens hub:// URLs. Idempotent; thread safe.
void RegisterHubHome();

/// Opens the hub home `url` names (its scheme must be "hub"). Connects
/// lazily: opening sends nothing, the first call registers the device
/// (with context.credentials) and later calls reuse the token, renewing it
/// before it expires. Returns the home (shared ownership; the caller may
/// drop it at any time, which closes the connection once every Remote taken
/// from it is dropped too). Errors: kInvalidArgument for credentials in the
/// URL, a missing port, an invalid space name, an unknown or malformed
/// parameter, or a CA file that cannot be read (naming it).
Result<home::HomeRef> OpenHubHome(home::HomeUrl url,
                                  const home::HomeUrlContext& context);

}  // namespace coven::hub

#endif  // COVEN_HUB_HOME_H_
