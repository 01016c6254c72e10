#include "members/member_identity.h"

#include <sodium.h>

#include "coven/hlc.h"

namespace coven::members {

std::array<std::uint8_t, 64> IdentityBytes(const PublicIdentity& identity) {
  std::array<std::uint8_t, 64> out{};
  std::copy(identity.sign.begin(), identity.sign.end(), out.begin());
  std::copy(identity.box.begin(), identity.box.end(), out.begin() + 32);
  return out;
}

std::string IdentityHex(const PublicIdentity& identity) {
  return HexEncode(IdentityBytes(identity));
}

Result<PublicIdentity> ParseIdentityHex(std::string_view text) {
  std::string compact;
  for (char c : text) {
    if (c != ' ' && c != '\n' && c != '\t') compact.push_back(c);
  }
  Bytes raw;
  if (!HexDecode(compact, &raw) || raw.size() != 64) {
    return InvalidArgumentError(
        "a member's public key is 128 hex digits (the line `coven identity` "
        "prints on the joining device); got " +
        std::to_string(compact.size()) + " characters");
  }
  PublicIdentity identity;
  std::copy(raw.begin(), raw.begin() + 32, identity.sign.begin());
  std::copy(raw.begin() + 32, raw.end(), identity.box.begin());
  return identity;
}

std::uint64_t MemberIdFor(const crypto::PublicKey& sign) {
  crypto::Hash256 h = crypto::Hash("coven/member-id/v1", sign);
  std::uint64_t id = 0;
  for (int i = 0; i < 8; ++i) id = id << 8 | h[i];
  return id;
}

std::string MemberIdHex(const crypto::PublicKey& sign) {
  return DeviceIdToHex(MemberIdFor(sign));  // same 16-hex-digit form
}

MemberIdentity MemberIdentity::FromSeed(
    const std::array<std::uint8_t, 32>& seed) {
  MemberIdentity identity;
  identity.has_seed_ = true;
  identity.seed_ = seed;
  crypto::Hash256 sign_seed = crypto::Hash("coven/member-sign/v1", seed);
  crypto::Hash256 box_seed = crypto::Hash("coven/member-box/v1", seed);
  identity.signer_ = crypto::SigningKeyPair::FromSeed(sign_seed);
  identity.box_ = crypto::BoxKeyPair::FromSeed(box_seed);
  sodium_memzero(sign_seed.data(), sign_seed.size());
  sodium_memzero(box_seed.data(), box_seed.size());
  return identity;
}

MemberIdentity MemberIdentity::Generate(Entropy& entropy) {
  std::array<std::uint8_t, 32> seed{};
  entropy.Fill(seed);
  MemberIdentity identity = FromSeed(seed);
  sodium_memzero(seed.data(), seed.size());
  return identity;
}

}  // namespace coven::members
