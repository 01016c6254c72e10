#include "coven/status.h"

#include <cstdio>
#include <cstdlib>

namespace coven {

std::string_view StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return "OK";
    case StatusCode::kCancelled:
      return "CANCELLED";
    case StatusCode::kUnknown:
      return "UNKNOWN";
    case StatusCode::kInvalidArgument:
      return "INVALID_ARGUMENT";
    case StatusCode::kDeadlineExceeded:
      return "DEADLINE_EXCEEDED";
    case StatusCode::kNotFound:
      return "NOT_FOUND";
    case StatusCode::kAlreadyExists:
      return "ALREADY_EXISTS";
    case StatusCode::kPermissionDenied:
      return "PERMISSION_DENIED";
    case StatusCode::kResourceExhausted:
      return "RESOURCE_EXHAUSTED";
    case StatusCode::kFailedPrecondition:
      return "FAILED_PRECONDITION";
    case StatusCode::kAborted:
      return "ABORTED";
    case StatusCode::kOutOfRange:
      return "OUT_OF_RANGE";
    case StatusCode::kUnimplemented:
      return "UNIMPLEMENTED";
    case StatusCode::kInternal:
      return "INTERNAL";
    case StatusCode::kUnavailable:
      return "UNAVAILABLE";
    case StatusCode::kDataLoss:
      return "DATA_LOSS";
    case StatusCode::kUnauthenticated:
      return "UNAUTHENTICATED";
  }
  return "UNKNOWN_CODE";
}

Status::Status(StatusCode code, std::string message)
    : code_(code),
      message_(code == StatusCode::kOk ? std::string() : std::move(message)) {}

bool Status::IsRetryable() const {
  switch (code_) {
    case StatusCode::kUnavailable:
    case StatusCode::kDeadlineExceeded:
    case StatusCode::kAborted:
    case StatusCode::kResourceExhausted:
      return true;
    default:
      return false;
  }
}

Status Status::Annotate(std::string_view context) const {
  if (ok()) return *this;
  std::string message(context);
  message += ": ";
  message += message_;
  return Status(code_, std::move(message));
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string out(StatusCodeName(code_));
  out += ": ";
  out += message_;
  return out;
}

#define COVEN_DEFINE_ERROR_FACTORY(Name, Code)           \
  Status Name(std::string message) {                     \
    return Status(StatusCode::Code, std::move(message)); \
  }
COVEN_DEFINE_ERROR_FACTORY(CancelledError, kCancelled)
COVEN_DEFINE_ERROR_FACTORY(UnknownError, kUnknown)
COVEN_DEFINE_ERROR_FACTORY(InvalidArgumentError, kInvalidArgument)
COVEN_DEFINE_ERROR_FACTORY(DeadlineExceededError, kDeadlineExceeded)
COVEN_DEFINE_ERROR_FACTORY(NotFoundError, kNotFound)
COVEN_DEFINE_ERROR_FACTORY(AlreadyExistsError, kAlreadyExists)
COVEN_DEFINE_ERROR_FACTORY(PermissionDeniedError, kPermissionDenied)
COVEN_DEFINE_ERROR_FACTORY(ResourceExhaustedError, kResourceExhausted)
COVEN_DEFINE_ERROR_FACTORY(FailedPreconditionError, kFailedPrecondition)
COVEN_DEFINE_ERROR_FACTORY(AbortedError, kAborted)
COVEN_DEFINE_ERROR_FACTORY(OutOfRangeError, kOutOfRange)
COVEN_DEFINE_ERROR_FACTORY(UnimplementedError, kUnimplemented)
COVEN_DEFINE_ERROR_FACTORY(InternalError, kInternal)
COVEN_DEFINE_ERROR_FACTORY(UnavailableError, kUnavailable)
COVEN_DEFINE_ERROR_FACTORY(DataLossError, kDataLoss)
COVEN_DEFINE_ERROR_FACTORY(UnauthenticatedError, kUnauthenticated)
#undef COVEN_DEFINE_ERROR_FACTORY

namespace status_internal {

void DieOnValueOfError(const Status& status) {
  // stdio rather than iostream: no static constructors, and the line goes out
  // whole before the abort.
  std::fprintf(stderr, "coven: Result::value() called on an error: %s\n",
               status.ToString().c_str());
  std::fflush(stderr);
  std::abort();
}

}  // namespace status_internal

}  // namespace coven
