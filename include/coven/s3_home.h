// S3Home: a home in an S3-compatible bucket (AWS S3, MinIO, R2, ...), signed
// with AWS Signature V4 by libcurl.
//
// Object "log/a/1" of a home with prefix "libs/todos" is the key
// "libs/todos/log/a/1". Create-once uses `If-None-Match: *` when the server
// honours it (probed once per home: a probe key is PUT twice and the second
// PUT must get 412) and is emulated (HEAD, then PUT) when it does not.
//
// Thread safety: all methods may be called concurrently.
#ifndef COVEN_S3_HOME_H_
#define COVEN_S3_HOME_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "coven/bytes.h"
#include "coven/home.h"
#include "coven/network_options.h"
#include "coven/status.h"

namespace coven::home {

namespace http {
class HttpClient;
struct HttpRequest;
struct HttpResponse;
}  // namespace http

/// AWS-style credentials. Never logged or included in any message.
struct S3Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  ///< Empty unless temporary credentials.
};

struct S3HomeOptions {
  /// Scheme, host and port, no path: "https://s3.eu-west-1.amazonaws.com",
  /// "http://127.0.0.1:4568".
  std::string endpoint;
  std::string bucket;
  /// Key prefix of the home inside the bucket ("" or "a/b", no slashes at
  /// either end).
  std::string prefix;
  std::string region = "us-east-1";
  /// Path style puts the bucket in the path ("/bucket/key"); virtual-hosted
  /// style in the host name ("bucket.host/key").
  enum class Addressing { kPath, kVirtual } addressing = Addressing::kPath;
  S3Credentials credentials;
  /// kProbe: find out once whether the server honours If-None-Match.
  enum class CreateMode {
    kProbe,
    kNative,
    kEmulated
  } create_mode = CreateMode::kProbe;
  /// True: List trusts the server's byte order and paging (AWS). False: List
  /// fetches the whole listing under the prefix and sorts it locally (for
  /// servers such as s3rver that list in directory-walk order).
  bool server_sorted_list = true;
  /// Whether the server replaces objects atomically for readers (AWS: yes;
  /// s3rver streams into the final file, so no). Reported as
  /// Capabilities::atomic_replace.
  bool atomic_replace = true;
  /// Objects above this size go up as multipart uploads of `part_size`.
  std::uint64_t multipart_threshold = 64ull << 20;
  std::uint64_t part_size = 16ull << 20;  ///< At least 5 MiB on AWS.
  NetworkOptions network;
};

class S3Home final : public Home {
 public:
  /// Checks the options (kInvalidArgument naming the bad field; credentials
  /// must be set) and returns the home. Makes no request: an unreachable
  /// server shows up on the first operation.
  static Result<std::shared_ptr<S3Home>> Open(S3HomeOptions options);
  ~S3Home() override;

  /// See Home. Errors name "s3 home <bucket>/<prefix>", the operation and the
  /// path: kPermissionDenied for 403 (bad credentials or policy),
  /// kFailedPrecondition for a missing bucket or wrong region,
  /// kUnavailable/kDeadlineExceeded after the retries for transient failures.
  Status Create(std::string_view path, ByteView data) override;
  Status Replace(std::string_view path, ByteView data) override;
  Result<Bytes> Get(std::string_view path, std::uint64_t max_bytes) override;
  Result<Bytes> GetRange(std::string_view path, std::uint64_t offset,
                         std::uint64_t length) override;
  Result<ListPage> List(std::string_view prefix, std::string_view start_after,
                        std::size_t max_keys) override;
  Status Delete(std::string_view path) override;
  /// conditional_create is probed on first need (this call or the first
  /// Create), which makes up to four requests; kEmulated until a probe
  /// succeeds.
  Capabilities capabilities() const override;
  /// "s3 home <bucket>/<prefix> at <endpoint>".
  std::string Describe() const override;

 private:
  explicit S3Home(S3HomeOptions options);
  struct Sent;
  std::string Key(std::string_view path) const;
  std::string ObjectUrl(std::string_view key, std::string_view query) const;
  std::string BucketUrl(std::string_view query) const;
  /// `max_attempts` 0: options_.network's.
  Result<Sent> Send(std::string_view op, std::string_view path,
                    http::HttpRequest request, int max_attempts = 0) const;
  Status ErrorFor(std::string_view op, std::string_view path,
                  const http::HttpResponse& response) const;
  Result<bool> NativeCreate() const;
  Status Put(std::string_view op, std::string_view path, ByteView data,
             bool if_none_match, bool* retried);
  Status MultipartPut(std::string_view op, std::string_view path, ByteView data,
                      bool if_none_match, bool* retried);
  Status SameBytesOrExists(std::string_view path, ByteView data);
  Result<std::uint64_t> Size(std::string_view op, std::string_view path);
  Result<ListPage> ListAllSorted(std::string_view prefix,
                                 std::string_view start_after,
                                 std::size_t max_keys);

  S3HomeOptions options_;
  std::unique_ptr<http::HttpClient> client_;
  mutable std::mutex probe_mutex_;
  mutable std::optional<bool> native_create_;  // Guarded by probe_mutex_.
};

}  // namespace coven::home

#endif  // COVEN_S3_HOME_H_
