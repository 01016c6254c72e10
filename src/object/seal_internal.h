// Internal entry point of the sealer, below Seal(): encrypts and signs an
// already compressed, framed and padded plaintext (see object/payload.h).
// Seal() is payload::Encode() followed by SealPadded(). Tests and the fuzz
// seed generator use it to build correctly signed and encrypted objects whose
// plaintext is deliberately malformed.
//
// Thread safety: stateless; safe from any thread.
#ifndef COVEN_OBJECT_SEAL_INTERNAL_H_
#define COVEN_OBJECT_SEAL_INTERNAL_H_

#include <string_view>

#include "coven/bytes.h"
#include "coven/status.h"
#include "crypto/crypto.h"
#include "object/sealed_object.h"

namespace coven::object {

/// Chunks, encrypts and signs `plaintext` exactly as Seal does after padding.
/// Validates the header against `key` and `signer` like Seal;
/// kInvalidArgument if `plaintext` is empty.
Result<Bytes> SealPadded(std::string_view path, const ObjectHeader& header,
                         ByteView plaintext, const crypto::LibraryKey& key,
                         const crypto::SigningKeyPair& signer);

}  // namespace coven::object

#endif  // COVEN_OBJECT_SEAL_INTERNAL_H_
