#include "coven/webdav_home.h"

#include <algorithm>
#include <cstdlib>

#include "home/http/http_client.h"
#include "home/http/range_reply.h"
#include "home/http/retry.h"
#include "home/http/xml_reader.h"
#include "home/local_paging.h"
#include "home/webdav/webdav_xml.h"

namespace coven::home {
namespace {

using http::HttpRequest;
using http::HttpResponse;

Status BadPath(std::string_view op, std::string_view path) {
  return InvalidArgumentError("webdav home " + std::string(op) + ": \"" +
                              std::string(path) +
                              "\" is not a valid home path");
}

}  // namespace

WebDavHome::WebDavHome(WebDavHomeOptions options)
    : options_(std::move(options)),
      client_(std::make_unique<http::HttpClient>()) {
  const std::size_t host = options_.url.find("://") + 3;
  const std::size_t path = options_.url.find('/', host);
  base_path_ = http::PercentDecode(
      path == std::string::npos ? "/" : options_.url.substr(path) + "/");
}

WebDavHome::~WebDavHome() = default;

Result<std::shared_ptr<WebDavHome>> WebDavHome::Open(
    WebDavHomeOptions options) {
  if (!options.url.starts_with("http://") &&
      !options.url.starts_with("https://")) {
    return InvalidArgumentError("webdav home: URL \"" + options.url +
                                "\" must start with http:// or https://");
  }
  const std::size_t host = options.url.find("://") + 3;
  const std::size_t slash = options.url.find('/', host);
  if (options.url.substr(host, slash - host).find('@') != std::string::npos) {
    return InvalidArgumentError(
        "webdav home: the URL must not contain credentials; set "
        "COVEN_WEBDAV_USER and COVEN_WEBDAV_PASSWORD instead");
  }
  while (options.url.ends_with("/")) options.url.pop_back();
  return std::shared_ptr<WebDavHome>(new WebDavHome(std::move(options)));
}

Status WebDavHome::Create(std::string_view path, ByteView data) {
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
    Result<Bytes> stored = Get(path, data.size());
    if (stored.status().code() == StatusCode::kResourceExhausted) return put;
    if (!stored.ok()) return stored.status();
    if (stored->size() == data.size() &&
        std::equal(data.begin(), data.end(), stored->begin())) {
      return Status::Ok();  // Our own earlier attempt whose reply was lost.
    }
  }
  return put;
}

Status WebDavHome::Replace(std::string_view path, ByteView data) {
  if (!IsValidPath(path)) return BadPath("replace", path);
  return Put("replace", path, data, /*if_none_match=*/false, nullptr);
}

Result<Bytes> WebDavHome::Get(std::string_view path, std::uint64_t max_bytes) {
  if (!IsValidPath(path)) return BadPath("get", path);
  HttpRequest get;
  get.url = Url(path);
  get.max_body_bytes = max_bytes;
  COVEN_ASSIGN_OR_RETURN(HttpResponse response, Send("get", path, get));
  if (response.status == 200) return std::move(response.body);
  return ErrorFor("get", path, response);
}

Result<std::uint64_t> WebDavHome::Size(std::string_view op,
                                       std::string_view path) {
  HttpRequest head;
  head.method = "HEAD";
  head.url = Url(path);
  COVEN_ASSIGN_OR_RETURN(HttpResponse response, Send(op, path, head));
  if (response.status == 200) {
    auto it = response.headers.find("content-length");
    return it == response.headers.end()
               ? 0
               : static_cast<std::uint64_t>(
                     std::strtoull(it->second.c_str(), nullptr, 10));
  }
  return ErrorFor(op, path, response);
}

Result<Bytes> WebDavHome::GetRange(std::string_view path, std::uint64_t offset,
                                   std::uint64_t length) {
  if (!IsValidPath(path)) return BadPath("get range", path);
  const Status past_end = http::RangePastEnd(Describe(), path, offset, length);
  if (length == 0 || offset + length < offset) {
    COVEN_ASSIGN_OR_RETURN(std::uint64_t size, Size("get range", path));
    if (offset + length < offset || offset + length > size) {
      return past_end;
    }
    return Bytes();
  }
  HttpRequest get;
  get.url = Url(path);
  get.headers = {"Range: " + http::RangeHeaderValue(offset, length)};
  // A server that ignores Range sends the whole object: keep only what the
  // range needs.
  get.max_body_bytes = offset + length;
  get.keep_prefix = true;
  COVEN_ASSIGN_OR_RETURN(HttpResponse response, Send("get range", path, get));
  if (auto range = http::RangeFromReply(response.status, response.body, offset,
                                        length, past_end)) {
    return std::move(*range);
  }
  return ErrorFor("get range", path, response);
}

Result<ListPage> WebDavHome::List(std::string_view prefix,
                                  std::string_view start_after,
                                  std::size_t max_keys) {
  if (max_keys == 0 ||
      (!prefix.empty() && !IsValidPath(std::string(prefix) + "x"))) {
    return InvalidArgumentError(Describe() + ": list \"" + std::string(prefix) +
                                "\": invalid prefix or max_keys 0");
  }
  const std::size_t slash = prefix.rfind('/');
  const std::string_view dir = slash == std::string_view::npos
                                   ? std::string_view()
                                   : prefix.substr(0, slash + 1);
  std::vector<ObjectInfo> all;
  COVEN_RETURN_IF_ERROR(Walk(dir, prefix, &all));
  return PageSorted(std::move(all), start_after, max_keys);
}

Status WebDavHome::Delete(std::string_view path) {
  if (!IsValidPath(path)) return BadPath("delete", path);
  // Never DELETE a collection: many servers delete it recursively.
  HttpRequest propfind;
  propfind.method = "PROPFIND";
  propfind.url = Url(path);
  propfind.headers = {"Depth: 0"};
  COVEN_ASSIGN_OR_RETURN(HttpResponse found,
                         Send("delete", path, std::move(propfind)));
  if (found.status == 404) return Status::Ok();
  if (found.status != 207) return ErrorFor("delete", path, found);
  Result<std::vector<DavEntry>> entries =
      ParseDavMultistatus(AsString(found.body));
  if (!entries.ok()) {
    return http::XmlReplyError(Describe(), "delete", path, entries.status());
  }
  if (std::any_of(entries->begin(), entries->end(),
                  [](const DavEntry& entry) { return entry.collection; })) {
    return FailedPreconditionError(Describe() + ": delete \"" +
                                   std::string(path) +
                                   "\": it is a folder, not an object; "
                                   "coven never deletes folders");
  }
  HttpRequest del;
  del.method = "DELETE";
  del.url = Url(path);
  COVEN_ASSIGN_OR_RETURN(HttpResponse response,
                         Send("delete", path, std::move(del)));
  if (response.status == 200 || response.status == 204 ||
      response.status == 404) {
    return Status::Ok();
  }
  return ErrorFor("delete", path, response);
}

Capabilities WebDavHome::capabilities() const {
  Capabilities caps;
  Result<bool> native = NativeCreate();
  caps.conditional_create = native.ok() && *native ? CreateSupport::kNative
                                                   : CreateSupport::kEmulated;
  caps.atomic_replace = options_.atomic_replace;
  caps.range_reads = true;
  caps.server_sorted_list = false;
  caps.server_paged_list = false;
  caps.needs_parent_dirs = true;
  caps.parallel_reads = http::kNetworkParallelReads;
  caps.multipart_threshold = 0;
  return caps;
}

std::string WebDavHome::Describe() const {
  return "webdav home " + options_.url;
}

}  // namespace coven::home
