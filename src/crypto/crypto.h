// Cryptographic building blocks, all from libsodium (never hand-written).
//
//   - Library keys: 32 random bytes that are never used directly as a key.
//     Each purpose has its own subkey, derived once per key with
//     crypto_kdf_derive_from_key (context, subkey id): the key id ("covenkid",
//     1, 16 bytes), the chunk nonce key ("covennon", 2), the
//     XChaCha20-Poly1305-IETF key ("covenaed", 3) and the schema_version key
//     ("covensch", 4). See docs/format/object.md §2.
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
/// The state is zeroed on destruction (it may hold a key).
class Hasher {
 public:
  explicit Hasher(std::string_view label);
  /// Keyed BLAKE2b-256 over the same framing: BLAKE2b(key = `key`,
  /// u32be(len(label)) || label || data).
  Hasher(std::string_view label, const std::array<std::uint8_t, 32>& key);
  ~Hasher();
  Hasher(const Hasher&) = default;
  Hasher& operator=(const Hasher&) = default;
  Hasher& Update(ByteView data);
  Hash256 Final();

 private:
  void Frame(std::string_view label);

  alignas(64) std::array<std::uint8_t, 384> state_;  // crypto_generichash_state
};

/// A 32-byte symmetric library key and the subkeys derived from it (see the
/// file comment). The key and its secret subkeys are locked in memory and
/// zeroed on destruction (SecretArray).
class LibraryKey {
 public:
  /// The all-zero key (a placeholder until a real key is assigned).
  LibraryKey();
  explicit LibraryKey(const std::array<std::uint8_t, 32>& bytes);
  ~LibraryKey();
  LibraryKey(const LibraryKey&) = default;
  LibraryKey& operator=(const LibraryKey&) = default;

  /// A fresh random key.
  static LibraryKey Generate(Entropy& entropy);

  /// The key itself, only for wrapping it to a member and persisting it.
  /// Never use it with a primitive: each purpose has its own subkey below.
  const std::array<std::uint8_t, 32>& bytes() const { return bytes_.get(); }
  /// Names the key without revealing it: a 16-byte subkey ("covenkid", 1).
  KeyId id() const { return id_; }
  /// BLAKE2b key of the chunk nonce derivation ("covennon", 2).
  const std::array<std::uint8_t, 32>& nonce_key() const {
    return nonce_key_.get();
  }
  /// XChaCha20-Poly1305-IETF key of the object chunks ("covenaed", 3).
  const std::array<std::uint8_t, 32>& aead_key() const {
    return aead_key_.get();
  }
  /// BLAKE2b key of the objects' schema_version ("covensch", 4).
  const std::array<std::uint8_t, 32>& schema_key() const {
    return schema_key_.get();
  }

 private:
  SecretArray<32> bytes_;
  SecretArray<32> nonce_key_;
  SecretArray<32> aead_key_;
  SecretArray<32> schema_key_;
  KeyId id_{};
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
