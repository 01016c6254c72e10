// What a device signs to register with a hub, and how hub errors map
// between gRPC and coven. Shared by coven-hub and the hub:// home.
#ifndef COVEN_HUB_WIRE_REGISTRATION_H_
#define COVEN_HUB_WIRE_REGISTRATION_H_

#include <grpcpp/support/status.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "coven/bytes.h"
#include "coven/status.h"

namespace coven::hub::wire {

/// The binary metadata entry that carries the token.
inline constexpr char kTokenMetadata[] = "coven-token-bin";

/// Longest space name; a space is [a-z0-9._-]{1,64}, not starting with '.'.
inline constexpr std::size_t kMaxSpaceName = 64;

/// OK when `space` is a valid space name; kInvalidArgument saying why.
Status CheckSpaceName(std::string_view space);

/// The 32 bytes both the device key and (when joining) the member key sign:
///   H("coven-hub/register/v1", hub_id(16) || u16 len || space ||
///     device key(32) || challenge(32) || member key(32, or nothing))
std::array<std::uint8_t, 32> RegistrationMessage(
    ByteView hub_id, std::string_view space,
    const std::array<std::uint8_t, 32>& device_key, ByteView challenge,
    const std::optional<std::array<std::uint8_t, 32>>& member_key);

/// A gRPC status as a coven Status (same message).
Status FromGrpc(const grpc::Status& status);
/// A coven Status as a gRPC status (same message).
grpc::Status ToGrpc(const Status& status);

}  // namespace coven::hub::wire

#endif  // COVEN_HUB_WIRE_REGISTRATION_H_
