#include "home/http/retry.h"

#include <sodium.h>

#include <algorithm>

namespace coven::home::http {
namespace {

clock::Clock& SystemClockInstance() {
  static clock::SystemClock* const instance = new clock::SystemClock();
  return *instance;
}

Entropy& SystemEntropyInstance() {
  static SystemEntropy* const instance = [] {
    // Idempotent; randombytes works without it too.
    [[maybe_unused]] const int started = sodium_init();
    return new SystemEntropy();
  }();
  return *instance;
}

std::string Prefix(const OpName& name) {
  std::string out(name.provider);
  out += ": ";
  out += name.op;
  if (!name.path.empty()) {
    out += " \"";
    out += name.path;
    out += "\"";
  }
  return out;
}

}  // namespace

clock::Clock& ClockOf(const NetworkOptions& network) {
  return network.clock ? *network.clock : SystemClockInstance();
}

Entropy& EntropyOf(const NetworkOptions& network) {
  return network.entropy ? *network.entropy : SystemEntropyInstance();
}

std::string ProbeName(const NetworkOptions& network) {
  std::uint8_t random[8];
  EntropyOf(network).Fill(random);
  return ".coven/probe-" + HexEncode(ByteView(random, sizeof(random)));
}

bool Backoff::Wait(std::optional<std::int64_t> retry_after_seconds) {
  if (retries_ + 1 >= policy_.max_attempts) return false;
  const std::int64_t ceiling = std::min<std::int64_t>(
      policy_.cap.count(), policy_.base.count() << std::min(retries_, 20));
  std::int64_t wait_ms = static_cast<std::int64_t>(entropy_.Uniform(
      static_cast<std::uint64_t>(std::max<std::int64_t>(ceiling, 0)) + 1));
  if (retry_after_seconds.has_value()) {
    wait_ms = std::max<std::int64_t>(
        wait_ms, std::min<std::int64_t>(*retry_after_seconds * 1000,
                                        policy_.cap.count()));
  }
  ++retries_;
  clock_.SleepMillis(wait_ms);
  return true;
}

Status HttpStatusError(const OpName& name, long status, std::string_view detail,
                       std::string_view hint) {
  std::string message = Prefix(name) + ": HTTP " + std::to_string(status);
  if (!detail.empty()) {
    message += " ";
    message += detail;
  }
  if (!hint.empty()) {
    message += "; ";
    message += hint;
  }
  if (status == 408 || status == 409 || status == 429 || status >= 500) {
    return UnavailableError(message + (hint.empty() ? "; retry later" : ""));
  }
  switch (status) {
    case 400:
      return InvalidArgumentError(message);
    case 401:
      return UnauthenticatedError(message);
    case 403:
      return PermissionDeniedError(message);
    case 404:
      return NotFoundError(message);
    case 412:
      return FailedPreconditionError(message);
    case 416:
      return OutOfRangeError(message);
    default:
      return UnknownError(message);
  }
}

Status TransportStatusError(const OpName& name, const Status& error) {
  return Status(error.code(), Prefix(name) + ": " + error.message());
}

bool IsTransientStatus(const HttpResponse& response) {
  return response.status >= 500 || response.status == 408 ||
         response.status == 429;
}

Result<HttpResponse> PerformWithRetries(HttpClient& client, HttpRequest request,
                                        const NetworkOptions& network,
                                        const OpName& name,
                                        bool (*transient)(const HttpResponse&),
                                        bool* retried) {
  request.connect_timeout =
      std::chrono::milliseconds(network.connect_timeout_ms);
  request.timeout = std::chrono::milliseconds(network.request_timeout_ms);
  Backoff backoff(
      {network.max_attempts, std::chrono::milliseconds(network.retry_base_ms),
       std::chrono::milliseconds(network.retry_cap_ms)},
      ClockOf(network), EntropyOf(network));
  if (retried != nullptr) *retried = false;
  while (true) {
    Result<HttpResponse> response = client.Perform(request);
    if (!response.ok()) {
      // A reply over its size limit would be as large again: not retried.
      if (response.status().IsRetryable() &&
          response.status().code() != StatusCode::kResourceExhausted &&
          backoff.Wait()) {
        if (retried != nullptr) *retried = true;
        continue;
      }
      return TransportStatusError(name, response.status());
    }
    if (!transient(*response)) return response;
    if (!backoff.Wait(response->retry_after_seconds)) {
      std::string detail(AsString(response->body).substr(0, 200));
      return HttpStatusError(name, response->status, detail);
    }
    if (retried != nullptr) *retried = true;
  }
}

}  // namespace coven::home::http
