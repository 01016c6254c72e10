// Status and Result<T>: how every fallible coven call reports failure.
//
// coven never throws across its API. A call that can fail returns a Status
// (no value) or a Result<T> (a value or a Status). The codes follow
// google.rpc.Code / absl::StatusCode so that one table maps them onto gRPC
// statuses and CLI exit codes. Every message says what failed and, where the
// caller can do something about it, what to do. Reading the value of a
// Result that holds an error is a programming error: it aborts with the
// status on stderr rather than throwing.
//
// Retry rule (IsRetryable): kUnavailable, kDeadlineExceeded, kAborted and
// kResourceExhausted may succeed if the same call is made again later; every
// other code needs a change of input or state first.
//
// Thread safety: Status and Result are values; distinct objects may be used
// from different threads, a single object needs external synchronization.
#ifndef COVEN_STATUS_H_
#define COVEN_STATUS_H_

#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace coven {

/// Canonical error codes (same numbering as google.rpc.Code).
enum class StatusCode : int {
  kOk = 0,
  kCancelled = 1,
  kUnknown = 2,
  kInvalidArgument = 3,
  kDeadlineExceeded = 4,
  kNotFound = 5,
  kAlreadyExists = 6,
  kPermissionDenied = 7,
  kResourceExhausted = 8,
  kFailedPrecondition = 9,
  kAborted = 10,
  kOutOfRange = 11,
  kUnimplemented = 12,
  kInternal = 13,
  kUnavailable = 14,
  kDataLoss = 15,
  kUnauthenticated = 16,
};

/// Returns the upper-snake name of `code`, e.g. "NOT_FOUND".
std::string_view StatusCodeName(StatusCode code);

/// The outcome of an operation: OK, or a code plus a human-readable message.
class [[nodiscard]] Status {
 public:
  /// Constructs OK.
  Status() = default;
  /// Constructs a status with `code` and `message`. A kOk code drops the
  /// message.
  Status(StatusCode code, std::string message);

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  /// True when the same call may succeed if retried later unchanged.
  bool IsRetryable() const;

  /// Returns a copy whose message is "`context`: <message>". OK stays OK.
  Status Annotate(std::string_view context) const;

  /// "OK" or "NOT_FOUND: message".
  std::string ToString() const;

  /// Marks a deliberately ignored status.
  void IgnoreError() const {}

  friend bool operator==(const Status& a, const Status& b) {
    return a.code_ == b.code_ && a.message_ == b.message_;
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

Status CancelledError(std::string message);
Status UnknownError(std::string message);
Status InvalidArgumentError(std::string message);
Status DeadlineExceededError(std::string message);
Status NotFoundError(std::string message);
Status AlreadyExistsError(std::string message);
Status PermissionDeniedError(std::string message);
Status ResourceExhaustedError(std::string message);
Status FailedPreconditionError(std::string message);
Status AbortedError(std::string message);
Status OutOfRangeError(std::string message);
Status UnimplementedError(std::string message);
Status InternalError(std::string message);
Status UnavailableError(std::string message);
Status DataLossError(std::string message);
Status UnauthenticatedError(std::string message);

namespace status_internal {
/// Prints "coven: Result::value() called on an error: <status>" to stderr and
/// aborts. Out of line so that Result<T> stays small and the message is
/// written in one place.
[[noreturn]] void DieOnValueOfError(const Status& status);
}  // namespace status_internal

/// A value of type T, or the Status explaining why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  /// Holds a value.
  Result(T value) : data_(std::move(value)) {}  // NOLINT: implicit by design
  /// Holds an error. Passing an OK status is a programming error and is turned
  /// into kInternal.
  Result(Status status)  // NOLINT: implicit by design
      : data_(status.ok() ? InternalError("Result constructed from OK status")
                          : std::move(status)) {}

  bool ok() const { return std::holds_alternative<T>(data_); }
  /// OK when a value is held, otherwise the error.
  Status status() const { return ok() ? Status() : std::get<Status>(data_); }

  /// The held value. Precondition: ok(). Calling it on an error is a
  /// programming error and never throws: it prints "coven:
  /// Result::value() called on an error: <status>" to stderr and calls
  /// std::abort(). The same holds for operator* and operator->.
  T& value() & {
    CheckHasValue();
    return *std::get_if<T>(&data_);
  }
  const T& value() const& {
    CheckHasValue();
    return *std::get_if<T>(&data_);
  }
  T&& value() && {
    CheckHasValue();
    return std::move(*std::get_if<T>(&data_));
  }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  /// The held value or `fallback` when there is an error.
  T value_or(T fallback) const& { return ok() ? value() : fallback; }

 private:
  void CheckHasValue() const {
    if (const Status* error = std::get_if<Status>(&data_)) {
      status_internal::DieOnValueOfError(*error);
    }
  }

  std::variant<T, Status> data_;
};

}  // namespace coven

#define COVEN_STATUS_CONCAT_INNER_(a, b) a##b
#define COVEN_STATUS_CONCAT_(a, b) COVEN_STATUS_CONCAT_INNER_(a, b)

/// Returns from the enclosing function when `expr` yields a non-OK Status.
#define COVEN_RETURN_IF_ERROR(expr)                \
  do {                                             \
    ::coven::Status coven_status_ = (expr);        \
    if (!coven_status_.ok()) return coven_status_; \
  } while (0)

/// Evaluates `rexpr` (a Result<T>); on error returns its Status, otherwise
/// moves the value into `lhs` (which may be a declaration).
#define COVEN_ASSIGN_OR_RETURN(lhs, rexpr)                                    \
  COVEN_ASSIGN_OR_RETURN_IMPL_(COVEN_STATUS_CONCAT_(coven_result_, __LINE__), \
                               lhs, rexpr)
#define COVEN_ASSIGN_OR_RETURN_IMPL_(result, lhs, rexpr) \
  auto result = (rexpr);                                 \
  if (!result.ok()) return result.status();              \
  lhs = std::move(result).value()

#endif  // COVEN_STATUS_H_
