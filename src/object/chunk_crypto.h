// Per-chunk cryptography of sealed objects: AAD, derived nonces,
// XChaCha20-Poly1305-IETF, and the signature digest. All from libsodium.
// Constructions and labels: docs/format/object.md.
//
// Thread safety: stateless functions and value types; safe from any thread.
#ifndef COVEN_OBJECT_CHUNK_CRYPTO_H_
#define COVEN_OBJECT_CHUNK_CRYPTO_H_

#include <array>
#include <cstdint>
#include <string_view>

#include "coven/bytes.h"
#include "crypto/crypto.h"

namespace coven::object::chunk {

using Nonce = std::array<std::uint8_t, 24>;

/// Computes chunk AADs for one object:
///   BLAKE2b-256("coven/object-aad/v1", u32 path length || path ||
///               cleartext || u32 chunk index || u8 final flag)
/// where `cleartext` is the object's bytes from the magic through the chunk
/// count. The shared prefix is hashed once.
class AadHasher {
 public:
  AadHasher(std::string_view path, ByteView cleartext);
  crypto::Hash256 ForChunk(std::uint32_t index, bool final) const;

 private:
  crypto::Hasher prefix_;
};

/// The nonce Seal uses for a chunk: the first 24 bytes of
///   BLAKE2b-256(key = key.nonce_key(), u32 label length ||
///               "coven/object-nonce/v1" || u32 path length || path ||
///               u32 chunk index || aad ||
///               BLAKE2b-256("coven/object-chunk/v1", plaintext))
Nonce DeriveNonce(const crypto::LibraryKey& key, std::string_view path,
                  std::uint32_t index, const crypto::Hash256& aad,
                  ByteView plaintext);

/// Appends ciphertext || 16-byte tag of `plaintext` to `out`, encrypted with
/// key.aead_key().
void Encrypt(const crypto::LibraryKey& key, const Nonce& nonce,
             const crypto::Hash256& aad, ByteView plaintext, Bytes& out);

/// Decrypts `ciphertext` (with its tag) into `out`, which must have room for
/// ciphertext.size() - 16 bytes. False if authentication fails.
bool Decrypt(const crypto::LibraryKey& key, ByteView nonce,
             const crypto::Hash256& aad, ByteView ciphertext,
             std::uint8_t* out);

/// BLAKE2b-256("coven/object-signature/v1", u32 path length || path ||
/// signed_bytes): the message the author's Ed25519 key signs.
crypto::Hash256 SignatureDigest(std::string_view path, ByteView signed_bytes);

}  // namespace coven::object::chunk

#endif  // COVEN_OBJECT_CHUNK_CRYPTO_H_
