// HttpClient: the small libcurl wrapper the network homes (S3, WebDAV,
// rclone) share. One request in, one response out; connection reuse through a
// pool of easy handles. Retrying is the caller's business (see backoff.h):
// only the caller knows whether a request is safe to repeat.
//
// Credentials go in HttpRequest::userpwd and are handed to libcurl only;
// nothing here logs or formats them.
//
// Thread safety: Perform may be called from any number of threads.
#ifndef COVEN_HOME_HTTP_HTTP_CLIENT_H_
#define COVEN_HOME_HTTP_HTTP_CLIENT_H_

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "coven/bytes.h"
#include "coven/status.h"
#include "util/percent.h"

namespace coven::home::http {

/// The most a reply body may hold unless the request says otherwise: enough
/// for any control reply (rclone rc JSON, S3 multipart answers).
inline constexpr std::uint64_t kDefaultMaxBodyBytes = 1ull << 20;
/// The most a listing reply may hold (an S3 page of 1000 keys is ~0.3 MiB; a
/// WebDAV PROPFIND or an rclone listing of one folder is ~300 bytes per
/// object, so this covers ~200,000 objects in one folder).
inline constexpr std::uint64_t kMaxListReplyBytes = 64ull << 20;
/// Of an error reply (any status but 2xx) only this much body is kept; the
/// rest is read and dropped.
inline constexpr std::uint64_t kMaxErrorBodyBytes = 64ull << 10;

struct HttpRequest {
  std::string method = "GET";  ///< GET, HEAD, PUT, POST, DELETE, MKCOL, ...
  std::string url;             ///< Fully encoded.
  std::vector<std::string> headers;  ///< "Name: value" lines.
  /// Request body (PUT uploads it with a Content-Length; other methods send
  /// it as the body). The bytes must outlive Perform.
  ByteView body;
  bool has_body = false;
  /// "user:password" for HTTP authentication (Basic/Digest), or the S3
  /// "access_key:secret" when `aws_sigv4` is set. Never logged.
  std::string userpwd;
  /// CURLOPT_AWS_SIGV4 parameter, e.g. "aws:amz:us-east-1:s3".
  std::string aws_sigv4;
  /// Connect timeout and whole-request timeout.
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds timeout{120'000};
  /// The most a 2xx reply body may hold. A larger Content-Length ends the
  /// request before the body is read; a body that grows past it without one
  /// ends it when it does. Either way Perform returns kResourceExhausted
  /// (unless `keep_prefix` is set), having buffered at most this many bytes.
  std::uint64_t max_body_bytes = kDefaultMaxBodyBytes;
  /// Instead of failing, a body over `max_body_bytes` ends the transfer and
  /// the response keeps its first `max_body_bytes` bytes (for a range read
  /// that a server answers with the whole object).
  bool keep_prefix = false;
};

struct HttpResponse {
  long status = 0;
  /// Lower-cased header names; the last value wins.
  std::map<std::string, std::string> headers;
  Bytes body;
  /// Seconds from a Retry-After header, if any.
  std::optional<std::int64_t> retry_after_seconds;

  std::string BodyText() const { return std::string(AsString(body)); }
};

class HttpClient {
 public:
  HttpClient();
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  /// Performs `request`. Any HTTP status is a successful Result; errors are
  /// transport failures: kDeadlineExceeded on timeout, kUnavailable on
  /// connection failures, resets and truncated replies (all retryable),
  /// kInvalidArgument for a malformed URL, kResourceExhausted for a 2xx body
  /// over `request.max_body_bytes` ("<METHOD> reply body is N bytes, over the
  /// limit of M bytes"; "is over the limit" when no Content-Length said N). The
  /// message names the method and curl's reason, not the URL (the caller adds
  /// the path it means).
  Result<HttpResponse> Perform(const HttpRequest& request);

 private:
  void* Acquire();
  void Release(void* handle);

  std::mutex mutex_;
  std::vector<void*> idle_;  // CURL* handles; guarded by mutex_.
};

// PercentEncode and PercentDecode moved to util/percent.h (the home URL
// parser in the core needs them); these names keep the network homes' calls.
using util::PercentDecode;
using util::PercentEncode;

}  // namespace coven::home::http

#endif  // COVEN_HOME_HTTP_HTTP_CLIENT_H_
