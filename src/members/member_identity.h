// A member's identity: one 32-byte member seed from which the member's
// Ed25519 signing pair and X25519 sealing pair are derived. The seed is what
// a restore code carries; the public identity (signing || sealing public
// key) is what `coven identity` shows and `coven invite` takes.
//
// Thread safety: plain values.
#ifndef COVEN_MEMBERS_MEMBER_IDENTITY_H_
#define COVEN_MEMBERS_MEMBER_IDENTITY_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "coven/entropy.h"
#include "coven/status.h"
#include "crypto/crypto.h"
#include "crypto/sealed_box.h"

namespace coven::members {

/// The public half of an identity: what others need to add this member.
struct PublicIdentity {
  crypto::PublicKey sign{};  ///< Ed25519: signs member-log entries.
  crypto::PublicKey box{};   ///< X25519: receives sealed library keys.
  bool operator==(const PublicIdentity&) const = default;
};

/// 64-byte form: sign || box.
std::array<std::uint8_t, 64> IdentityBytes(const PublicIdentity& identity);
/// 128 lowercase hex digits of IdentityBytes.
std::string IdentityHex(const PublicIdentity& identity);
/// Parses 128 hex digits (spaces ignored). kInvalidArgument otherwise.
Result<PublicIdentity> ParseIdentityHex(std::string_view text);

/// First 8 bytes of H("coven/member-id/v1", sign key), as a big-endian u64.
std::uint64_t MemberIdFor(const crypto::PublicKey& sign);
/// 16 lowercase hex digits of MemberIdFor.
std::string MemberIdHex(const crypto::PublicKey& sign);

class MemberIdentity {
 public:
  /// No seed: a device that dropped its member seed (it knows its member
  /// from the member log, by its device key).
  MemberIdentity() = default;
  static MemberIdentity FromSeed(const std::array<std::uint8_t, 32>& seed);
  static MemberIdentity Generate(Entropy& entropy);

  /// False for a default-constructed identity: then seed(), signer() and
  /// box() hold zeros and must not be used.
  bool has_seed() const { return has_seed_; }
  const std::array<std::uint8_t, 32>& seed() const { return seed_.get(); }
  const crypto::SigningKeyPair& signer() const { return signer_; }
  const crypto::BoxKeyPair& box() const { return box_; }
  PublicIdentity public_identity() const {
    return {signer_.public_key(), box_.public_key()};
  }

 private:
  bool has_seed_ = false;
  crypto::SecretArray<32> seed_;  // Locked, zeroed on destruction.
  crypto::SigningKeyPair signer_;
  crypto::BoxKeyPair box_;
};

}  // namespace coven::members

#endif  // COVEN_MEMBERS_MEMBER_IDENTITY_H_
