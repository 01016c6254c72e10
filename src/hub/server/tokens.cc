#include "hub/server/tokens.h"

#include <sodium.h>

#include "crypto/crypto.h"

namespace coven::hub::server {

namespace {

constexpr std::uint8_t kVersion = 1;
constexpr std::size_t kMacBytes = 32;
constexpr char kMacLabel[] = "coven-hub/token/v1";

void PutU64(Bytes& out, std::uint64_t v) {
  for (int i = 7; i >= 0; --i)
    out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

std::uint64_t GetU64(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return v;
}

std::array<std::uint8_t, kMacBytes> Mac(ByteView body, const Key32& key) {
  crypto::Hasher hasher(kMacLabel, key);
  hasher.Update(body);
  return hasher.Final();
}

Status Refuse(const std::string& why) {
  return UnauthenticatedError("hub token " + why +
                              ": register this device again (RegisterDevice)");
}

}  // namespace

Bytes IssueToken(const TokenClaims& claims, const Key32& key) {
  Bytes out;
  out.push_back(kVersion);
  out.push_back(claims.member ? 1 : 0);
  out.push_back(static_cast<std::uint8_t>(claims.space.size()));
  out.insert(out.end(), claims.space.begin(), claims.space.end());
  out.insert(out.end(), claims.device.begin(), claims.device.end());
  const Key32 member = claims.member.value_or(Key32{});
  out.insert(out.end(), member.begin(), member.end());
  PutU64(out, claims.member_epoch);
  PutU64(out, static_cast<std::uint64_t>(claims.issued_ms));
  PutU64(out, static_cast<std::uint64_t>(claims.expires_ms));
  out.insert(out.end(), claims.id.begin(), claims.id.end());
  const auto mac = Mac(out, key);
  out.insert(out.end(), mac.begin(), mac.end());
  return out;
}

Result<TokenClaims> VerifyToken(ByteView token, const Key32& key,
                                std::int64_t now_ms) {
  constexpr std::size_t kFixed = 3 + 32 + 32 + 8 * 3 + 16 + kMacBytes;
  if (token.size() < kFixed) return Refuse("is malformed (too short)");
  const std::size_t space_length = token[2];
  if (token.size() != kFixed + space_length) {
    return Refuse("is malformed (wrong length)");
  }
  if (token[0] != kVersion) return Refuse("has an unknown version");
  const std::size_t body = token.size() - kMacBytes;
  const auto mac = Mac(token.subspan(0, body), key);
  if (sodium_memcmp(mac.data(), token.data() + body, kMacBytes) != 0) {
    return Refuse("does not verify (forged, or issued by another hub)");
  }
  TokenClaims claims;
  const std::uint8_t* p = token.data() + 3;
  claims.space.assign(reinterpret_cast<const char*>(p), space_length);
  p += space_length;
  std::copy(p, p + 32, claims.device.begin());
  p += 32;
  if (token[1] & 1) {
    Key32 member;
    std::copy(p, p + 32, member.begin());
    claims.member = member;
  }
  p += 32;
  claims.member_epoch = GetU64(p);
  claims.issued_ms = static_cast<std::int64_t>(GetU64(p + 8));
  claims.expires_ms = static_cast<std::int64_t>(GetU64(p + 16));
  std::copy(p + 24, p + 40, claims.id.begin());
  if (now_ms >= claims.expires_ms) return Refuse("has expired");
  return claims;
}

}  // namespace coven::hub::server
