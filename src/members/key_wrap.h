// A library key sealed to one recipient: the object stored at
// keys/<key id>/<recipient id> (docs/format/members.md §6).
//
// A recipient is a device (its X25519 key is the Ed25519 device key in
// X25519 form: what daily sync uses) or a member (its sealing key: what a
// restore code opens to enrol a device). The key is sealed with the
// recipient's X25519 key (libsodium sealed box), so only it can open it;
// the wrap is signed by the device that wrote it. A key id is a keyed hash of
// the key itself, so a substituted key never passes UnwrapKey's id check.
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

/// "keys/<key id: 32 hex digits>/<recipient id: 16 hex digits>", the
/// recipient id being MemberIdHex of its signing key (a member's signing key
/// or a device key).
std::string KeyWrapPath(const crypto::KeyId& key_id,
                        const crypto::PublicKey& recipient_sign);

/// The wrap recipient of a device: its key and that key's X25519 form.
/// kInvalidArgument if `device` is not a valid Ed25519 key.
Result<PublicIdentity> DeviceRecipient(const crypto::PublicKey& device);

/// Seals `key` to `recipient`, signed by `signer`. kInvalidArgument if
/// `recipient.box` cannot receive a sealed box (crypto::CheckBoxPublicKey).
Result<Bytes> WrapKey(const std::array<std::uint8_t, 16>& library_id,
                      const crypto::LibraryKey& key,
                      const PublicIdentity& recipient,
                      const crypto::SigningKeyPair& signer);

struct UnwrappedKey {
  crypto::LibraryKey key;
  crypto::PublicKey signer{};  ///< Who wrote the wrap (check it is trusted).
};

/// Opens a wrap addressed to `recipient_sign` (whose X25519 pair is
/// `box`) for `library_id` and `expected_id`. Errors: kInvalidArgument
/// (malformed, another library, another key id or recipient),
/// kUnauthenticated (bad signature, does not open, or the key inside does
/// not match its id).
Result<UnwrappedKey> UnwrapKey(ByteView bytes,
                               const std::array<std::uint8_t, 16>& library_id,
                               const crypto::KeyId& expected_id,
                               const crypto::PublicKey& recipient_sign,
                               const crypto::BoxKeyPair& box);

}  // namespace coven::members

#endif  // COVEN_MEMBERS_KEY_WRAP_H_
