#include "crypto/sealed_box.h"

#include <sodium.h>

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

Bytes SealTo(const PublicKey& recipient, ByteView message) {
  Bytes sealed(message.size() + kSealedBoxOverhead);
  crypto_box_seal(sealed.data(), message.data(), message.size(),
                  recipient.data());
  return sealed;
}

}  // namespace coven::crypto
