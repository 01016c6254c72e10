#include "home/http/retry.h"

#include <algorithm>
#include <random>
#include <thread>

namespace coven::home::http {
namespace {

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

bool Backoff::Wait(std::optional<std::int64_t> retry_after_seconds) {
  if (retries_ + 1 >= policy_.max_attempts) return false;
  const std::int64_t ceiling = std::min<std::int64_t>(
      policy_.cap.count(), policy_.base.count() << std::min(retries_, 20));
  thread_local std::mt19937_64 rng(std::random_device{}());
  std::int64_t wait_ms = std::uniform_int_distribution<std::int64_t>(
      0, std::max<std::int64_t>(ceiling, 0))(rng);
  if (retry_after_seconds.has_value()) {
    wait_ms = std::max<std::int64_t>(
        wait_ms, std::min<std::int64_t>(*retry_after_seconds * 1000,
                                        policy_.cap.count()));
  }
  ++retries_;
  std::this_thread::sleep_for(std::chrono::milliseconds(wait_ms));
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
  Backoff backoff({network.max_attempts,
                   std::chrono::milliseconds(network.retry_base_ms),
                   std::chrono::milliseconds(network.retry_cap_ms)});
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
