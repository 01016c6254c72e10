#include "crypto/sealed_box.h"

#include <sodium.h>

#include <array>
#include <cstdint>

namespace coven::crypto {

BoxKeyPair::~BoxKeyPair() = default;  // SecretArray zeroes the key.

BoxKeyPair BoxKeyPair::FromSeed(const std::array<std::uint8_t, 32>& seed) {
  BoxKeyPair pair;
  crypto_box_seed_keypair(pair.public_key_.data(), pair.secret_key_.data(),
                          seed.data());
  return pair;
}

BoxKeyPair BoxKeyPair::FromSigningKey(const SigningKeyPair& signer) {
  PublicKey sign_public{};
  SecretArray<64> sign_secret;
  crypto_sign_seed_keypair(sign_public.data(), sign_secret.data(),
                           signer.seed().data());
  BoxKeyPair pair;
  crypto_sign_ed25519_sk_to_curve25519(pair.secret_key_.data(),
                                       sign_secret.data());
  crypto_scalarmult_base(pair.public_key_.data(), pair.secret_key_.data());
  return pair;
}

Result<PublicKey> BoxPublicKeyOf(const PublicKey& sign) {
  PublicKey box{};
  if (crypto_sign_ed25519_pk_to_curve25519(box.data(), sign.data()) != 0) {
    return InvalidArgumentError("not a valid Ed25519 public key");
  }
  return box;
}

Result<Bytes> BoxKeyPair::Open(ByteView sealed) const {
  if (sealed.size() < kSealedBoxOverhead) {
    return UnauthenticatedError("sealed box too short (" +
                                std::to_string(sealed.size()) + " bytes)");
  }
  Bytes message(sealed.size() - kSealedBoxOverhead);
  if (crypto_box_seal_open(message.data(), sealed.data(), sealed.size(),
                           public_key_.data(), secret_key_.data()) != 0) {
    return UnauthenticatedError(
        "sealed box does not open with this member's key (sealed to someone "
        "else, or altered)");
  }
  return message;
}

Status CheckBoxPublicKey(const PublicKey& box) {
  // Any scalar will do: X25519 clamps it to a multiple of the cofactor, so
  // the product is the all-zero point exactly for the low-order keys.
  std::array<std::uint8_t, crypto_scalarmult_SCALARBYTES> scalar{};
  scalar.fill(0x5a);
  std::array<std::uint8_t, crypto_scalarmult_BYTES> product{};
  if (crypto_scalarmult(product.data(), scalar.data(), box.data()) != 0) {
    return InvalidArgumentError(
        "not a usable X25519 public key (a low-order point)");
  }
  return Status::Ok();
}

Result<Bytes> SealTo(const PublicKey& recipient, ByteView message) {
  COVEN_RETURN_IF_ERROR(CheckBoxPublicKey(recipient));
  Bytes sealed(message.size() + kSealedBoxOverhead);
  if (crypto_box_seal(sealed.data(), message.data(), message.size(),
                      recipient.data()) != 0) {
    return InvalidArgumentError("sealing to this X25519 key failed");
  }
  return sealed;
}

}  // namespace coven::crypto
