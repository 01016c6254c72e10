#include "hub/wire/registration.h"

#include "crypto/crypto.h"

namespace coven::hub::wire {

Status CheckSpaceName(std::string_view space) {
  if (space.empty() || space.size() > kMaxSpaceName) {
    return InvalidArgumentError("a hub space name has 1 to 64 characters");
  }
  if (space.front() == '.') {
    return InvalidArgumentError("a hub space name may not start with '.'");
  }
  for (char c : space) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) {
      return InvalidArgumentError(
          "a hub space name uses only a-z, 0-9, '.', '_' and '-'");
    }
  }
  return Status::Ok();
}

std::array<std::uint8_t, 32> RegistrationMessage(
    ByteView hub_id, std::string_view space,
    const std::array<std::uint8_t, 32>& device_key, ByteView challenge,
    const std::optional<std::array<std::uint8_t, 32>>& member_key) {
  crypto::Hasher hasher("coven-hub/register/v1");
  hasher.Update(hub_id);
  const std::uint8_t length[2] = {
      static_cast<std::uint8_t>(space.size() >> 8),
      static_cast<std::uint8_t>(space.size() & 0xff)};
  hasher.Update(ByteView(length, 2));
  hasher.Update(ByteView(reinterpret_cast<const std::uint8_t*>(space.data()),
                         space.size()));
  hasher.Update(ByteView(device_key.data(), device_key.size()));
  hasher.Update(challenge);
  if (member_key)
    hasher.Update(ByteView(member_key->data(), member_key->size()));
  return hasher.Final();
}

Status FromGrpc(const grpc::Status& status) {
  const std::string& message = status.error_message();
  switch (status.error_code()) {
    case grpc::StatusCode::OK:
      return Status::Ok();
    case grpc::StatusCode::NOT_FOUND:
      return NotFoundError(message);
    case grpc::StatusCode::ALREADY_EXISTS:
      return AlreadyExistsError(message);
    case grpc::StatusCode::PERMISSION_DENIED:
      return PermissionDeniedError(message);
    case grpc::StatusCode::UNAUTHENTICATED:
      return UnauthenticatedError(message);
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return ResourceExhaustedError(message);
    case grpc::StatusCode::FAILED_PRECONDITION:
      return FailedPreconditionError(message);
    case grpc::StatusCode::INVALID_ARGUMENT:
      return InvalidArgumentError(message);
    case grpc::StatusCode::OUT_OF_RANGE:
      return OutOfRangeError(message);
    case grpc::StatusCode::CANCELLED:
      return CancelledError(message);
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::ABORTED:
      return UnavailableError(message);
    default:
      return InternalError(message);
  }
}

grpc::Status ToGrpc(const Status& status) {
  using grpc::StatusCode;
  StatusCode code = StatusCode::INTERNAL;
  switch (status.code()) {
    case coven::StatusCode::kOk:
      return grpc::Status::OK;
    case coven::StatusCode::kNotFound:
      code = StatusCode::NOT_FOUND;
      break;
    case coven::StatusCode::kAlreadyExists:
      code = StatusCode::ALREADY_EXISTS;
      break;
    case coven::StatusCode::kPermissionDenied:
      code = StatusCode::PERMISSION_DENIED;
      break;
    case coven::StatusCode::kUnauthenticated:
      code = StatusCode::UNAUTHENTICATED;
      break;
    case coven::StatusCode::kResourceExhausted:
      code = StatusCode::RESOURCE_EXHAUSTED;
      break;
    case coven::StatusCode::kFailedPrecondition:
      code = StatusCode::FAILED_PRECONDITION;
      break;
    case coven::StatusCode::kInvalidArgument:
      code = StatusCode::INVALID_ARGUMENT;
      break;
    case coven::StatusCode::kOutOfRange:
      code = StatusCode::OUT_OF_RANGE;
      break;
    case coven::StatusCode::kUnavailable:
      code = StatusCode::UNAVAILABLE;
      break;
    case coven::StatusCode::kCancelled:
      code = StatusCode::CANCELLED;
      break;
    default:
      break;
  }
  return grpc::Status(code, status.message());
}

}  // namespace coven::hub::wire
