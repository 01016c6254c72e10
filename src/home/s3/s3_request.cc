// S3Home plumbing: URLs, signing parameters, retries, error mapping and the
// create-once probe.
#include <sodium.h>

#include "coven/s3_home.h"
#include "home/http/http_client.h"
#include "home/http/retry.h"
#include "home/s3/s3_util.h"
#include "home/s3/s3_xml.h"

namespace coven::home {

using http::HttpRequest;
using http::HttpResponse;

std::string S3Sha256Hex(ByteView data) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, data.data(), data.size());
  return HexEncode(ByteView(digest, sizeof(digest)));
}

std::string S3Home::Key(std::string_view path) const {
  return options_.prefix.empty() ? std::string(path)
                                 : options_.prefix + "/" + std::string(path);
}

std::string S3Home::BucketUrl(std::string_view query) const {
  std::string url;
  if (options_.addressing == S3HomeOptions::Addressing::kVirtual) {
    const std::size_t scheme_end = options_.endpoint.find("://") + 3;
    url = options_.endpoint.substr(0, scheme_end) + options_.bucket + "." +
          options_.endpoint.substr(scheme_end) + "/";
  } else {
    url = options_.endpoint + "/" + http::PercentEncode(options_.bucket);
  }
  if (!query.empty()) url += "?" + std::string(query);
  return url;
}

std::string S3Home::ObjectUrl(std::string_view key,
                              std::string_view query) const {
  std::string url = BucketUrl({});
  if (url.back() != '/') url += "/";
  url += http::PercentEncode(key, /*keep_slash=*/true);
  if (!query.empty()) url += "?" + std::string(query);
  return url;
}

Result<S3Home::Sent> S3Home::Send(std::string_view op, std::string_view path,
                                  HttpRequest request, int max_attempts) const {
  request.userpwd = options_.credentials.access_key_id + ":" +
                    options_.credentials.secret_access_key;
  request.aws_sigv4 = "aws:amz:" + options_.region + ":s3";
  if (!options_.credentials.session_token.empty()) {
    request.headers.push_back("x-amz-security-token: " +
                              options_.credentials.session_token);
  }
  const std::string description = Describe();
  const http::OpName name{description, op, path};
  Sent sent;
  auto transient = [](const HttpResponse& response) {
    const long status = response.status;
    if (status == 400) {
      // A timed-out upload, or a body damaged in transit: send it again.
      const std::string code = ParseS3ErrorReply(AsString(response.body)).code;
      return code == "RequestTimeout" || code == "XAmzContentSHA256Mismatch" ||
             code == "BadDigest";
    }
    // 409 ConditionalRequestConflict: AWS says retry.
    return http::IsTransientStatus(response) || status == 409;
  };
  NetworkOptions network = options_.network;
  if (max_attempts > 0) network.max_attempts = max_attempts;
  COVEN_ASSIGN_OR_RETURN(
      sent.response,
      http::PerformWithRetries(*client_, std::move(request), network, name,
                               transient, &sent.retried));
  return sent;
}

Status S3Home::ErrorFor(std::string_view op, std::string_view path,
                        const HttpResponse& response) const {
  const S3ErrorReply reply = ParseS3ErrorReply(AsString(response.body));
  const std::string& code = reply.code;
  std::string detail = code;
  if (!reply.message.empty()) {
    detail += (detail.empty() ? "" : ": ") + reply.message;
  }
  const std::string description = Describe();
  const http::OpName name{description, op, path};
  if (code == "NoSuchBucket") {
    return FailedPreconditionError(
        http::HttpStatusError(name, response.status, detail).message() +
        "; bucket \"" + options_.bucket +
        "\" does not exist: create it or fix the home URL");
  }
  if (code == "AuthorizationHeaderMalformed" || response.status == 301 ||
      code == "PermanentRedirect") {
    return FailedPreconditionError(
        http::HttpStatusError(name, response.status, detail).message() +
        "; the region (\"" + options_.region +
        "\") or addressing style does not match the bucket: fix the home URL");
  }
  if (code == "RequestTimeTooSkewed") {
    return FailedPreconditionError(
        http::HttpStatusError(name, response.status, detail).message() +
        "; this device's clock is more than 15 minutes off: fix the clock");
  }
  std::string hint;
  if (response.status == 401 || response.status == 403) {
    hint =
        "check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN) "
        "and the bucket policy";
  }
  return http::HttpStatusError(name, response.status, detail, hint);
}

Result<bool> S3Home::NativeCreate() const {
  std::lock_guard<std::mutex> lock(probe_mutex_);
  if (native_create_.has_value()) return *native_create_;
  if (options_.create_mode != S3HomeOptions::CreateMode::kProbe) {
    native_create_ = options_.create_mode == S3HomeOptions::CreateMode::kNative;
    return *native_create_;
  }
  const std::string name = http::ProbeName(options_.network);
  const std::string key = Key(name);
  const Bytes body = ToBytes("coven create-once probe");
  long statuses[2] = {0, 0};
  for (long& status : statuses) {
    HttpRequest put;
    put.method = "PUT";
    put.url = ObjectUrl(key, {});
    put.body = body;
    put.headers = {"x-amz-content-sha256: " + S3Sha256Hex(body),
                   "If-None-Match: *"};
    COVEN_ASSIGN_OR_RETURN(Sent sent, Send("probe create-once", name, put));
    if (sent.response.status != 200 && sent.response.status != 412) {
      return ErrorFor("probe create-once", name, sent.response);
    }
    status = sent.response.status;
  }
  HttpRequest del;
  del.method = "DELETE";
  del.url = ObjectUrl(key, {});
  del.headers = {"x-amz-content-sha256: " + S3Sha256Hex({})};
  (void)Send("delete probe", name, del);
  native_create_ = statuses[0] == 200 && statuses[1] == 412;
  return *native_create_;
}

Capabilities S3Home::capabilities() const {
  Capabilities caps;
  Result<bool> native = NativeCreate();
  caps.conditional_create = native.ok() && *native ? CreateSupport::kNative
                                                   : CreateSupport::kEmulated;
  caps.atomic_replace = options_.atomic_replace;
  caps.range_reads = true;
  caps.server_sorted_list = options_.server_sorted_list;
  caps.server_paged_list = options_.server_sorted_list;
  caps.needs_parent_dirs = false;
  caps.multipart_threshold = options_.multipart_threshold;
  caps.parallel_reads = http::kNetworkParallelReads;
  return caps;
}

std::string S3Home::Describe() const {
  return "s3 home " + options_.bucket +
         (options_.prefix.empty() ? "" : "/" + options_.prefix) + " at " +
         options_.endpoint;
}

}  // namespace coven::home
