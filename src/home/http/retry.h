// Retrying network calls: full-jitter exponential backoff that honours
// Retry-After, and the mapping from HTTP statuses to coven Status codes with
// messages that name the provider, the operation and the path.
//
// Thread safety: Backoff is a per-call value; the functions are pure apart
// from the clock and entropy they are given (both thread-safe).
#ifndef COVEN_HOME_HTTP_RETRY_H_
#define COVEN_HOME_HTTP_RETRY_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "coven/clock.h"
#include "coven/entropy.h"
#include "coven/network_options.h"
#include "coven/status.h"
#include "home/http/http_client.h"

namespace coven::home::http {

/// How often and how patiently a home retries one operation. Beyond this the
/// error goes to the caller (the sync engine's outbox retries later).
struct RetryPolicy {
  int max_attempts = 4;                  ///< Including the first.
  std::chrono::milliseconds base{100};   ///< First backoff ceiling.
  std::chrono::milliseconds cap{5'000};  ///< Longest single wait.
};

/// Waits between attempts: attempt n sleeps a uniformly random time in
/// [0, min(cap, base * 2^n)] ("full jitter", drawn from `entropy`), or the
/// server's Retry-After (capped at `cap`) when that is longer, through
/// `clock.SleepMillis`. `clock` and `entropy` must outlive the Backoff.
class Backoff {
 public:
  Backoff(RetryPolicy policy, clock::Clock& clock, Entropy& entropy)
      : policy_(policy), clock_(clock), entropy_(entropy) {}
  /// Sleeps and returns true if another attempt is allowed; false when the
  /// attempts are used up (no sleep).
  bool Wait(std::optional<std::int64_t> retry_after_seconds = std::nullopt);
  /// Attempts made so far (1 after the first Wait).
  int retries() const { return retries_; }

 private:
  RetryPolicy policy_;
  clock::Clock& clock_;
  Entropy& entropy_;
  int retries_ = 0;
};

/// Names a failing operation: "<provider> <op> <path>".
struct OpName {
  std::string_view provider;  ///< "s3 home bucket/prefix", "webdav home ..."
  std::string_view op;        ///< "create", "get", "list", ...
  std::string_view path;      ///< The object path or prefix.
};

/// Maps an HTTP error status to a Status: 400 kInvalidArgument, 401
/// kUnauthenticated, 403 kPermissionDenied, 404 kNotFound, 412
/// kFailedPrecondition, 416 kOutOfRange, 408/409/429/5xx kUnavailable, others
/// kUnknown. `detail` (e.g. the server's error code and message) and `hint`
/// (what to do) are appended when not empty.
Status HttpStatusError(const OpName& name, long status, std::string_view detail,
                       std::string_view hint = {});

/// Prefixes a transport error (from HttpClient::Perform) with the name.
Status TransportStatusError(const OpName& name, const Status& error);

/// Performs `request` with `client`, retrying transport errors (except a
/// reply over its size limit, kResourceExhausted) and replies
/// for which `transient` is true, under `network`'s policy. Returns the first
/// other reply (any status; the caller interprets it). After the last attempt
/// a transient reply becomes HttpStatusError and a transport error
/// TransportStatusError, both named by `name`. `*retried` (may be null) is
/// set when an earlier attempt may have reached the server. Waits on
/// `network.clock` with jitter from `network.entropy` (system ones if null).
Result<HttpResponse> PerformWithRetries(HttpClient& client, HttpRequest request,
                                        const NetworkOptions& network,
                                        const OpName& name,
                                        bool (*transient)(const HttpResponse&),
                                        bool* retried);

/// `network.clock`, or the process's SystemClock when it is null.
clock::Clock& ClockOf(const NetworkOptions& network);

/// `network.entropy`, or the process's SystemEntropy when it is null.
Entropy& EntropyOf(const NetworkOptions& network);

/// A fresh name for a create-once probe object: ".coven/probe-" and 16 hex
/// digits from `network`'s entropy.
std::string ProbeName(const NetworkOptions& network);

/// 5xx, 408 and 429: the usual transient statuses.
bool IsTransientStatus(const HttpResponse& response);

}  // namespace coven::home::http

#endif  // COVEN_HOME_HTTP_RETRY_H_
