// Everything coven builds in beyond its core, registered in one call
// (library coven::coven, the target apps link).
//
//   int main() {
//     coven::RegisterBuiltins();   // first thing, before opening a library
//     ...
//   }
//
// The core (coven::core) opens file:// and memory:// homes and keeps keys in
// files or under a passphrase by itself. The network homes (coven::net:
// libcurl, expat) and the OS keyring (coven::keyring: libsecret) are separate
// libraries that the core does not name; they join through the home registry
// (home_registry.h) and the keyring backend (secret_store.h). Without this
// call, an s3:// or webdav:// URL fails with kInvalidArgument and keyring
// custody with kUnavailable, each saying to make it. docs/decisions.md says
// why this is one explicit call rather than static initializers.
#ifndef COVEN_BUILTINS_H_
#define COVEN_BUILTINS_H_

namespace coven {

/// Registers the s3://, webdav://, webdavs:// and rclone:// homes
/// (network_homes.h) and the Secret Service keyring backend (keyring.h).
/// Idempotent; thread safe; call it before opening homes or key custody on
/// other threads.
void RegisterBuiltins();

}  // namespace coven

#endif  // COVEN_BUILTINS_H_
