// The network homes' registration (library coven::net).
//
// Most apps call coven::RegisterBuiltins() (coven/builtins.h) instead, which
// also installs the OS keyring store. An app that links coven::net without
// coven::keyring calls this one.
#ifndef COVEN_NETWORK_HOMES_H_
#define COVEN_NETWORK_HOMES_H_

namespace coven::home {

/// Registers the s3://, webdav://, webdavs:// and rclone:// URL schemes
/// (home_url.h) with the home registry (home_registry.h). Idempotent; may
/// be called from any thread, at any time before those URLs are opened.
void RegisterNetworkHomes();

}  // namespace coven::home

#endif  // COVEN_NETWORK_HOMES_H_
