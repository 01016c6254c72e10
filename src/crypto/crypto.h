// Cryptographic building blocks, all from libsodium (never hand-written).
//
//   - Library keys: 32 random bytes, used with XChaCha20-Poly1305-IETF.
//     A key id is BLAKE2b-128(key = library key, "coven/key-id/v1").
//   - Device signing keys: Ed25519. A device id is the first 8 bytes (big
//     endian) of BLAKE2b-256("coven/device-id/v1" || public key), so a device
//     id cannot be claimed by a different key.
//   - Hashes: BLAKE2b-256 with a domain-separation label (BLAKE3 has no Debian
//     C library; see docs/decisions.md).
//
// Thread safety: all functions are thread-safe once EnsureSodium() returned OK.
#ifndef COVEN_CRYPTO_CRYPTO_H_
#define COVEN_CRYPTO_CRYPTO_H_

#include <array>
#include <cstdint>
#include <string_view>

#include "coven/bytes.h"
#include "coven/entropy.h"
#include "coven/status.h"
#include "crypto/secret.h"

namespace coven::crypto {

using Hash256 = std::array<std::uint8_t, 32>;
using KeyId = std::array<std::uint8_t, 16>;
using PublicKey = std::array<std::uint8_t, 32>;
using Signature = std::array<std::uint8_t, 64>;

/// Initializes libsodium once per process. Returns kInternal if it fails.
Status EnsureSodium();

/// BLAKE2b-256 over `label` (a domain-separation string) followed by `data`.
Hash256 Hash(std::string_view label, ByteView data);

/// Incremental BLAKE2b-256 (label first, then any number of Update calls).
class Hasher {
 public:
  explicit Hasher(std::string_view label);
  Hasher& Update(ByteView data);
  Hash256 Final();

 private:
  alignas(64) std::array<std::uint8_t, 384> state_;  // crypto_generichash_state
};

/// A 32-byte symmetric library key. Locked in memory and zeroed on
/// destruction (SecretArray).
class LibraryKey {
 public:
  LibraryKey() = default;
  explicit LibraryKey(const std::array<std::uint8_t, 32>& bytes);
  ~LibraryKey();
  LibraryKey(const LibraryKey&) = default;
  LibraryKey& operator=(const LibraryKey&) = default;

  /// A fresh random key.
  static LibraryKey Generate(Entropy& entropy);

  const std::array<std::uint8_t, 32>& bytes() const { return bytes_.get(); }
  /// BLAKE2b-128 keyed by the key over "coven/key-id/v1".
  KeyId id() const;

 private:
  SecretArray<32> bytes_;
};

/// An Ed25519 key pair. The secret half is locked in memory and zeroed on
/// destruction (SecretArray).
class SigningKeyPair {
 public:
  SigningKeyPair() = default;
  ~SigningKeyPair();
  SigningKeyPair(const SigningKeyPair&) = default;
  SigningKeyPair& operator=(const SigningKeyPair&) = default;

  /// Derives the pair from a 32-byte seed (crypto_sign_seed_keypair).
  static SigningKeyPair FromSeed(const std::array<std::uint8_t, 32>& seed);
  /// Draws a seed from `entropy`.
  static SigningKeyPair Generate(Entropy& entropy);

  const PublicKey& public_key() const { return public_key_; }
  /// The 32-byte seed the pair was derived from (what key files store).
  const std::array<std::uint8_t, 32>& seed() const { return seed_.get(); }

  /// Detached Ed25519 signature of `message`.
  Signature Sign(ByteView message) const;

 private:
  SecretArray<32> seed_;
  PublicKey public_key_{};
  SecretArray<64> secret_key_;
};

/// Verifies a detached Ed25519 signature. kUnauthenticated if it is invalid.
Status Verify(const PublicKey& public_key, ByteView message,
              const Signature& signature);

/// The device id bound to `public_key` (see the file comment).
std::uint64_t DeviceIdFor(const PublicKey& public_key);

}  // namespace coven::crypto

#endif  // COVEN_CRYPTO_CRYPTO_H_
