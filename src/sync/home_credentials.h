// HomeCredentials (coven/home_url.h) over a device's keys: what a hub home
// signs its registration with. Storage homes ignore them.
//
// Thread safety: the credentials are immutable; every member may be called
// from any thread.
#ifndef COVEN_SRC_SYNC_HOME_CREDENTIALS_H_
#define COVEN_SRC_SYNC_HOME_CREDENTIALS_H_

#include "coven/home_url.h"
#include "coven/keys.h"
#include "coven/status.h"
#include "crypto/crypto.h"
#include "members/member_identity.h"

namespace coven::sync {

/// Credentials that sign with `device` and, when `member` holds its seed,
/// with the member's signing key (a joining or restoring device registers
/// with it). Copies the keys (kept in locked memory).
home::HomeCredentialsRef CredentialsFromKeys(
    const crypto::SigningKeyPair& device,
    const members::MemberIdentity& member);

/// The same over `key_service`: its device key (created if missing) and its
/// member seed unless this device dropped it. Errors: the key store's.
Result<home::HomeCredentialsRef> CredentialsFromKeyService(
    keys::KeyService& key_service);

}  // namespace coven::sync

#endif  // COVEN_SRC_SYNC_HOME_CREDENTIALS_H_
