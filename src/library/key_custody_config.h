// Which key custody a library directory uses, from the environment
// (COVEN_KEY_CUSTODY, COVEN_KEY_PASSPHRASE) and from what the directory
// recorded: `key_custody` in library.json, or before library.json exists
// the marker `<dir>/keys/custody` written by IdentityOf.
// docs/format/key-custody.md section 6.
//
// Thread safety: reads the environment and the directory; no state.
#ifndef COVEN_LIBRARY_KEY_CUSTODY_CONFIG_H_
#define COVEN_LIBRARY_KEY_CUSTODY_CONFIG_H_

#include <optional>
#include <string>

#include "coven/entropy.h"
#include "coven/keys.h"
#include "coven/status.h"

namespace coven::library {

/// A directory's recorded custody.
struct CustodyChoice {
  keys::KeyCustody::Kind kind = keys::KeyCustody::Kind::kFiles;
  /// Keyring only: the scope when it is not the library id.
  std::string keyring_scope;
};

/// The choice recorded in library.json fields `key_custody` and
/// `keyring_scope`. kInvalidArgument for an unknown name or "memory".
Result<CustodyChoice> CustodyFromSettings(const std::string& key_custody,
                                          const std::string& keyring_scope);

/// The custody for a directory being set up (IdentityOf, CreateLibrary):
/// the marker if IdentityOf wrote one (kFailedPrecondition if
/// COVEN_KEY_CUSTODY contradicts it), else COVEN_KEY_CUSTODY, else
/// "passphrase" when COVEN_KEY_PASSPHRASE is set, else "files". With
/// `fresh_keyring_scope`, keyring custody gets a random scope (the library
/// id is not known yet). `*from_marker` says whether the marker decided.
Result<CustodyChoice> ChooseNewCustody(const std::string& dir,
                                       bool fresh_keyring_scope,
                                       Entropy& entropy, bool* from_marker);

/// Writes `<dir>/keys/custody` (mode 0600, directory 0700).
Status WriteCustodyMarker(const std::string& dir, const CustodyChoice& choice);

/// The KeyService for `dir`'s recorded `choice`: kFailedPrecondition when
/// COVEN_KEY_CUSTODY names another custody or a passphrase is needed and
/// COVEN_KEY_PASSPHRASE is unset; kUnavailable when the keyring is
/// unreachable. Argon2id cost: Interactive, or ForTests when
/// COVEN_TEST_FAST_KDF is set (tests only).
Result<keys::KeyService> OpenKeyService(const std::string& dir,
                                        const CustodyChoice& choice,
                                        const std::string& library_id);

/// `status` with a hint naming COVEN_KEY_PASSPHRASE when it is a wrong
/// passphrase under passphrase custody.
Status ExplainKeyError(const Status& status, const CustodyChoice& choice);

}  // namespace coven::library

#endif  // COVEN_LIBRARY_KEY_CUSTODY_CONFIG_H_
