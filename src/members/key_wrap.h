// A library key sealed to one member: the object stored at
// keys/<key id>/<member id> (docs/format/members.md §6).
//
// The key is sealed with the member's X25519 key (libsodium sealed box), so
// only that member can open it; the wrap is signed by the device that wrote
// it. A key id is a keyed hash of the key itself, so a substituted key never
// passes UnwrapKey's id check.
//
// Thread safety: pure functions.
#ifndef COVEN_MEMBERS_KEY_WRAP_H_
#define COVEN_MEMBERS_KEY_WRAP_H_

#include <array>
#include <cstdint>
#include <string>

#include "coven/bytes.h"
#include "coven/status.h"
#include "crypto/crypto.h"
#include "members/member_identity.h"

namespace coven::members {

/// "keys/<key id: 32 hex digits>/<member id: 16 hex digits>".
std::string KeyWrapPath(const crypto::KeyId& key_id,
                        const crypto::PublicKey& member_sign);

/// Seals `key` to `recipient`, signed by `signer`.
Bytes WrapKey(const std::array<std::uint8_t, 16>& library_id,
              const crypto::LibraryKey& key, const PublicIdentity& recipient,
              const crypto::SigningKeyPair& signer);

struct UnwrappedKey {
  crypto::LibraryKey key;
  crypto::PublicKey signer{};  ///< Who wrote the wrap (check it is trusted).
};

/// Opens a wrap addressed to `me` for `library_id` and `expected_id`.
/// Errors: kInvalidArgument (malformed, another library, another key id or
/// recipient), kUnauthenticated (bad signature, does not open, or the key
/// inside does not match its id).
Result<UnwrappedKey> UnwrapKey(ByteView bytes,
                               const std::array<std::uint8_t, 16>& library_id,
                               const crypto::KeyId& expected_id,
                               const MemberIdentity& me);

}  // namespace coven::members

#endif  // COVEN_MEMBERS_KEY_WRAP_H_
