#include "coven/s3_home.h"

#include <algorithm>
#include <cstdlib>

#include "home/http/http_client.h"
#include "home/http/range_reply.h"
#include "home/http/retry.h"
#include "home/s3/s3_util.h"
#include "home/s3/s3_xml.h"

namespace coven::home {
namespace {

using http::HttpRequest;
using http::PercentEncode;

Status BadPath(std::string_view op, std::string_view path) {
  return InvalidArgumentError("s3 home " + std::string(op) + ": \"" +
                              std::string(path) +
                              "\" is not a valid home path");
}

}  // namespace

S3Home::S3Home(S3HomeOptions options)
    : options_(std::move(options)),
      client_(std::make_unique<http::HttpClient>()) {}

S3Home::~S3Home() = default;

Result<std::shared_ptr<S3Home>> S3Home::Open(S3HomeOptions options) {
  if (!options.endpoint.starts_with("http://") &&
      !options.endpoint.starts_with("https://")) {
    return InvalidArgumentError("s3 home: endpoint \"" + options.endpoint +
                                "\" must start with http:// or https://");
  }
  while (options.endpoint.ends_with("/")) options.endpoint.pop_back();
  if (options.bucket.empty()) {
    return InvalidArgumentError("s3 home: no bucket given");
  }
  while (options.prefix.ends_with("/")) options.prefix.pop_back();
  while (options.prefix.starts_with("/")) options.prefix.erase(0, 1);
  if (!options.prefix.empty() && !IsValidPath(options.prefix)) {
    return InvalidArgumentError(
        "s3 home: prefix \"" + options.prefix +
        "\" must be '/'-separated segments of [a-z0-9._-]");
  }
  if (options.region.empty()) {
    return InvalidArgumentError("s3 home: no region given");
  }
  if (options.credentials.access_key_id.empty() ||
      options.credentials.secret_access_key.empty()) {
    return UnauthenticatedError(
        "s3 home " + options.bucket +
        ": no credentials; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
  }
  options.part_size = std::max<std::uint64_t>(options.part_size, 5ull << 20);
  return std::shared_ptr<S3Home>(new S3Home(std::move(options)));
}

Status S3Home::Put(std::string_view op, std::string_view path, ByteView data,
                   bool if_none_match, bool* retried) {
  if (options_.multipart_threshold > 0 &&
      data.size() > options_.multipart_threshold) {
    return MultipartPut(op, path, data, if_none_match, retried);
  }
  HttpRequest put;
  put.method = "PUT";
  put.url = ObjectUrl(Key(path), {});
  put.body = data;
  put.headers = {"x-amz-content-sha256: " + S3Sha256Hex(data)};
  if (if_none_match) put.headers.push_back("If-None-Match: *");
  COVEN_ASSIGN_OR_RETURN(Sent sent, Send(op, path, std::move(put)));
  *retried = sent.retried;
  if (sent.response.status == 200) return Status::Ok();
  if (sent.response.status == 412) {
    return AlreadyExistsError(Describe() + ": " + std::string(op) + " \"" +
                              std::string(path) + "\": the path is occupied");
  }
  return ErrorFor(op, path, sent.response);
}

Status S3Home::SameBytesOrExists(std::string_view path, ByteView data) {
  Result<Bytes> stored = Get(path, data.size());
  if (stored.status().code() == StatusCode::kResourceExhausted) {
    return AlreadyExistsError(Describe() + ": create \"" + std::string(path) +
                              "\": the path is occupied by a larger object");
  }
  if (!stored.ok()) return stored.status();
  if (ByteView(*stored).size() == data.size() &&
      std::equal(data.begin(), data.end(), stored->begin())) {
    return Status::Ok();  // Our own earlier attempt whose reply was lost.
  }
  return AlreadyExistsError(Describe() + ": create \"" + std::string(path) +
                            "\": the path is occupied by other bytes");
}

Status S3Home::Create(std::string_view path, ByteView data) {
  if (!IsValidPath(path)) return BadPath("create", path);
  COVEN_ASSIGN_OR_RETURN(bool native, NativeCreate());
  bool retried = false;
  if (!native) {
    Result<std::uint64_t> size = Size("create", path);
    if (size.ok()) {
      return AlreadyExistsError(Describe() + ": create \"" + std::string(path) +
                                "\": the path is occupied");
    }
    if (size.status().code() != StatusCode::kNotFound) return size.status();
    return Put("create", path, data, /*if_none_match=*/false, &retried);
  }
  Status put = Put("create", path, data, /*if_none_match=*/true, &retried);
  if (put.code() == StatusCode::kAlreadyExists && retried) {
    return SameBytesOrExists(path, data);
  }
  return put;
}

Status S3Home::Replace(std::string_view path, ByteView data) {
  if (!IsValidPath(path)) return BadPath("replace", path);
  bool retried = false;
  return Put("replace", path, data, /*if_none_match=*/false, &retried);
}

Result<Bytes> S3Home::Get(std::string_view path, std::uint64_t max_bytes) {
  if (!IsValidPath(path)) return BadPath("get", path);
  HttpRequest get;
  get.url = ObjectUrl(Key(path), {});
  get.headers = {"x-amz-content-sha256: " + S3Sha256Hex({})};
  get.max_body_bytes = max_bytes;
  COVEN_ASSIGN_OR_RETURN(Sent sent, Send("get", path, std::move(get)));
  if (sent.response.status == 200) return std::move(sent.response.body);
  return ErrorFor("get", path, sent.response);
}

Result<std::uint64_t> S3Home::Size(std::string_view op, std::string_view path) {
  HttpRequest head;
  head.method = "HEAD";
  head.url = ObjectUrl(Key(path), {});
  head.headers = {"x-amz-content-sha256: " + S3Sha256Hex({})};
  COVEN_ASSIGN_OR_RETURN(Sent sent, Send(op, path, std::move(head)));
  if (sent.response.status == 200) {
    auto it = sent.response.headers.find("content-length");
    if (it == sent.response.headers.end()) {
      return InternalError(Describe() + ": " + std::string(op) + " \"" +
                           std::string(path) +
                           "\": HEAD had no Content-Length");
    }
    return static_cast<std::uint64_t>(
        std::strtoull(it->second.c_str(), nullptr, 10));
  }
  if (sent.response.status == 404) {  // HEAD errors have no body.
    return NotFoundError(Describe() + ": " + std::string(op) + " \"" +
                         std::string(path) + "\": no such object");
  }
  return ErrorFor(op, path, sent.response);
}

Result<Bytes> S3Home::GetRange(std::string_view path, std::uint64_t offset,
                               std::uint64_t length) {
  if (!IsValidPath(path)) return BadPath("get range", path);
  const Status past_end = http::RangePastEnd(Describe(), path, offset, length);
  if (length == 0 || offset + length < offset) {
    // No byte to fetch (or an impossible range): S3 cannot express it, and
    // s3rver answers a range on an empty object wrongly, so check the size.
    COVEN_ASSIGN_OR_RETURN(std::uint64_t size, Size("get range", path));
    if (offset + length < offset || offset + length > size) {
      return past_end;
    }
    return Bytes();
  }
  HttpRequest get;
  get.url = ObjectUrl(Key(path), {});
  get.headers = {"x-amz-content-sha256: " + S3Sha256Hex({}),
                 "Range: " + http::RangeHeaderValue(offset, length)};
  // A server that ignores Range sends the whole object: keep only what the
  // range needs.
  get.max_body_bytes = offset + length;
  get.keep_prefix = true;
  Result<Sent> first = Send("get range", path, get, /*max_attempts=*/1);
  if (!first.ok() && first.status().IsRetryable()) {
    // Some servers (s3rver) send a broken reply to a range on an empty
    // object; check the size before retrying.
    COVEN_ASSIGN_OR_RETURN(std::uint64_t size, Size("get range", path));
    if (offset + length > size) return past_end;
    first = Send("get range", path, std::move(get));
  }
  COVEN_ASSIGN_OR_RETURN(Sent sent, std::move(first));
  if (auto range = http::RangeFromReply(
          sent.response.status, sent.response.body, offset, length, past_end)) {
    return std::move(*range);
  }
  return ErrorFor("get range", path, sent.response);
}

Status S3Home::Delete(std::string_view path) {
  if (!IsValidPath(path)) return BadPath("delete", path);
  HttpRequest del;
  del.method = "DELETE";
  del.url = ObjectUrl(Key(path), {});
  del.headers = {"x-amz-content-sha256: " + S3Sha256Hex({})};
  COVEN_ASSIGN_OR_RETURN(Sent sent, Send("delete", path, std::move(del)));
  const long status = sent.response.status;
  if (status == 200 || status == 204) return Status::Ok();
  if (status == 404 &&
      ParseS3ErrorReply(AsString(sent.response.body)).code != "NoSuchBucket") {
    return Status::Ok();
  }
  return ErrorFor("delete", path, sent.response);
}

}  // namespace coven::home
