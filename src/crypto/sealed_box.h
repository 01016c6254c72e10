// X25519 sealed boxes (libsodium crypto_box_seal): anonymous public-key
// encryption, used to hand a library key to one member.
//
// Thread safety: all functions are thread-safe once EnsureSodium() returned OK.
#ifndef COVEN_CRYPTO_SEALED_BOX_H_
#define COVEN_CRYPTO_SEALED_BOX_H_

#include <array>
#include <cstdint>

#include "coven/bytes.h"
#include "coven/status.h"
#include "crypto/crypto.h"

namespace coven::crypto {

/// Bytes a sealed box adds to its message (ephemeral key + MAC).
inline constexpr std::size_t kSealedBoxOverhead = 48;

/// An X25519 key pair. The secret half is zeroed on destruction.
class BoxKeyPair {
 public:
  BoxKeyPair() = default;
  ~BoxKeyPair();
  BoxKeyPair(const BoxKeyPair&) = default;
  BoxKeyPair& operator=(const BoxKeyPair&) = default;

  /// Derives the pair from a 32-byte seed (crypto_box_seed_keypair).
  static BoxKeyPair FromSeed(const std::array<std::uint8_t, 32>& seed);
  /// The X25519 form of an Ed25519 pair (libsodium's
  /// crypto_sign_ed25519_sk_to_curve25519): a device's sealing key, whose
  /// public half anyone derives from the device key the member log names.
  static BoxKeyPair FromSigningKey(const SigningKeyPair& signer);

  const PublicKey& public_key() const { return public_key_; }

  /// Opens a box sealed to this pair. kUnauthenticated if it was not sealed
  /// to this key or was altered.
  Result<Bytes> Open(ByteView sealed) const;

 private:
  PublicKey public_key_{};
  SecretArray<32> secret_key_;  // Locked, zeroed on destruction.
};

/// The X25519 public key of Ed25519 public key `sign` (the public half of
/// BoxKeyPair::FromSigningKey). kInvalidArgument if `sign` is not a valid
/// Ed25519 point.
Result<PublicKey> BoxPublicKeyOf(const PublicKey& sign);

/// Ok if X25519 key `box` can receive a sealed box; kInvalidArgument for
/// the low-order points, whose shared secret is all zero for every sender
/// (libsodium refuses to seal to them).
Status CheckBoxPublicKey(const PublicKey& box);

/// Seals `message` to `recipient` (randomized by libsodium).
/// kInvalidArgument if `recipient` fails CheckBoxPublicKey.
Result<Bytes> SealTo(const PublicKey& recipient, ByteView message);

}  // namespace coven::crypto

#endif  // COVEN_CRYPTO_SEALED_BOX_H_
