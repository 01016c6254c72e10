// The hub's tokens: what RegisterDevice hands a device, and every other call
// carries. A token proves who registered (device key, member key when
// enrolling) for which space until when; it is MACed with the store's token
// key (Store::TokenKey), so any hub process on the same store accepts it.
// What the device may do is decided on every call from the member log as
// it is then, never from the token alone (so removal takes effect at once).
//
// Wire form (docs/format/hub.md §3), 140 + space bytes:
//   version 1 | flags 1 (1: member key present) | space length 1 | space |
//   device key 32 | member key 32 (zero when absent) | member epoch 8 |
//   issued_ms 8 | expires_ms 8 | token id 16 |
//   MAC 32 = keyed BLAKE2b-256("coven-hub/token/v1", key, all bytes before)
#ifndef COVEN_HUB_SERVER_TOKENS_H_
#define COVEN_HUB_SERVER_TOKENS_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "coven/bytes.h"
#include "coven/status.h"

namespace coven::hub::server {

using Key32 = std::array<std::uint8_t, 32>;

struct TokenClaims {
  std::string space;
  Key32 device{};
  std::optional<Key32> member;
  std::uint64_t member_epoch = 0;
  std::int64_t issued_ms = 0;
  std::int64_t expires_ms = 0;
  std::array<std::uint8_t, 16> id{};
};

/// The token for `claims`, MACed with `key`.
Bytes IssueToken(const TokenClaims& claims, const Key32& key);

/// The claims of `token` if its MAC verifies with `key` and it has not
/// expired at `now_ms`. kUnauthenticated otherwise, saying why (malformed,
/// forged or from another hub, expired) and that the device must register
/// again.
Result<TokenClaims> VerifyToken(ByteView token, const Key32& key,
                                std::int64_t now_ms);

}  // namespace coven::hub::server

#endif  // COVEN_HUB_SERVER_TOKENS_H_
