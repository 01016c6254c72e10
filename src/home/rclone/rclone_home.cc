#include "coven/rclone_home.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "home/http/http_client.h"
#include "home/http/range_reply.h"
#include "home/http/retry.h"
#include "home/local_paging.h"
#include "home/rclone/rclone_reply.h"
#include "util/child_process.h"

namespace coven::home {
namespace {

using nlohmann::json;

Status BadPath(std::string_view op, std::string_view path) {
  return InvalidArgumentError("rclone home " + std::string(op) + ": \"" +
                              std::string(path) +
                              "\" is not a valid home path");
}

}  // namespace

Result<std::optional<std::uint64_t>> RcloneHome::Stat(
    std::string_view op, std::string_view path) const {
  const json request = {{"fs", options_.remote}, {"remote", path}};
  COVEN_ASSIGN_OR_RETURN(Reply reply,
                         Call(op, path, "operations/stat", request.dump()));
  if (reply.response.status != 200) return ErrorFor(op, path, reply);
  try {
    const json item = json::parse(AsString(reply.response.body)).at("item");
    if (item.is_null()) return std::optional<std::uint64_t>();
    return std::optional<std::uint64_t>(item.at("Size").get<std::uint64_t>());
  } catch (const json::exception& e) {
    return InternalError(Describe() + ": " + std::string(op) + " \"" +
                         std::string(path) +
                         "\": unexpected operations/stat reply: " + e.what());
  }
}

Status RcloneHome::Upload(std::string_view op, std::string_view path,
                          ByteView data) {
  // rclone reads the bytes from a private temporary file (copyfile), which
  // also lets it retry and checksum the transfer itself.
  const std::string name = std::to_string(upload_counter_++);
  const std::string file = upload_dir_ + "/" + name;
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) {
    return UnavailableError(Describe() + ": " + std::string(op) + " \"" +
                            std::string(path) +
                            "\": cannot write the temporary upload file");
  }
  std::size_t written = 0;
  while (written < data.size()) {
    const ssize_t n = ::write(fd, data.data() + written, data.size() - written);
    if (n <= 0) break;
    written += static_cast<std::size_t>(n);
  }
  ::close(fd);
  struct Cleanup {
    std::string file;
    ~Cleanup() { ::unlink(file.c_str()); }
  } cleanup{file};
  if (written != data.size()) {
    return UnavailableError(Describe() + ": " + std::string(op) + " \"" +
                            std::string(path) +
                            "\": writing the temporary upload file failed");
  }
  const json request = {{"srcFs", upload_dir_},
                        {"srcRemote", name},
                        {"dstFs", options_.remote},
                        {"dstRemote", path},
                        // Always transfer: by default rclone skips a copy
                        // when size and modification time match, and on
                        // backends without modification times (WebDAV) a
                        // same-size head would never be replaced.
                        {"_config", {{"IgnoreTimes", true}}}};
  COVEN_ASSIGN_OR_RETURN(Reply reply,
                         Call(op, path, "operations/copyfile", request.dump()));
  if (reply.response.status != 200) return ErrorFor(op, path, reply);
  return Status::Ok();
}

Status RcloneHome::Create(std::string_view path, ByteView data) {
  if (!IsValidPath(path)) return BadPath("create", path);
  COVEN_ASSIGN_OR_RETURN(std::optional<std::uint64_t> size,
                         Stat("create", path));
  if (size.has_value()) {
    return AlreadyExistsError(Describe() + ": create \"" + std::string(path) +
                              "\": the path is occupied");
  }
  return Upload("create", path, data);
}

Status RcloneHome::Replace(std::string_view path, ByteView data) {
  if (!IsValidPath(path)) return BadPath("replace", path);
  return Upload("replace", path, data);
}

Result<http::HttpResponse> RcloneHome::Fetch(std::string_view op,
                                             std::string_view path,
                                             const std::string& range,
                                             std::uint64_t max_bytes,
                                             bool keep_prefix) const {
  // --rc-serve: GET /[fs]/path, the brackets percent-encoded.
  COVEN_ASSIGN_OR_RETURN(const int port, RcPort());
  http::HttpRequest get;
  get.url = "http://127.0.0.1:" + std::to_string(port) + "/%5B" +
            http::PercentEncode(options_.remote) + "%5D/" +
            http::PercentEncode(path, /*keep_slash=*/true);
  get.userpwd = rc_user_ + ":" + rc_pass_;
  if (!range.empty()) get.headers = {"Range: " + range};
  get.max_body_bytes = max_bytes;
  get.keep_prefix = keep_prefix;
  const std::string description = Describe();
  COVEN_ASSIGN_OR_RETURN(
      http::HttpResponse response,
      http::PerformWithRetries(*client_, std::move(get), options_.network,
                               {description, op, path}, http::IsTransientStatus,
                               nullptr));
  if (response.status == 200 || response.status == 206 ||
      response.status == 416) {
    return response;
  }
  return ErrorFor(op, path, Reply{std::move(response), false});
}

Result<Bytes> RcloneHome::Get(std::string_view path, std::uint64_t max_bytes) {
  if (!IsValidPath(path)) return BadPath("get", path);
  COVEN_ASSIGN_OR_RETURN(http::HttpResponse response,
                         Fetch("get", path, "", max_bytes, false));
  if (response.status != 200) {
    return ErrorFor("get", path, Reply{std::move(response), false});
  }
  return std::move(response.body);
}

Result<Bytes> RcloneHome::GetRange(std::string_view path, std::uint64_t offset,
                                   std::uint64_t length) {
  if (!IsValidPath(path)) return BadPath("get range", path);
  const Status past_end = http::RangePastEnd(Describe(), path, offset, length);
  if (length == 0 || offset + length < offset) {
    COVEN_ASSIGN_OR_RETURN(std::optional<std::uint64_t> size,
                           Stat("get range", path));
    if (!size.has_value()) {
      return NotFoundError(Describe() + ": get range \"" + std::string(path) +
                           "\": no such object");
    }
    if (offset + length < offset || offset + length > *size) {
      return past_end;
    }
    return Bytes();
  }
  Result<http::HttpResponse> fetched =
      Fetch("get range", path, http::RangeHeaderValue(offset, length),
            offset + length, /*keep_prefix=*/true);
  if (fetched.status().code() == StatusCode::kNotFound) {
    // Some backends answer a range past the end as "not found".
    COVEN_ASSIGN_OR_RETURN(std::optional<std::uint64_t> size,
                           Stat("get range", path));
    if (size.has_value() && offset + length > *size) return past_end;
  }
  if (!fetched.ok()) return fetched.status();
  http::HttpResponse& response = *fetched;
  if (auto range = http::RangeFromReply(response.status, response.body, offset,
                                        length, past_end)) {
    return std::move(*range);
  }
  return past_end;  // Fetch passes only 2xx and 416 through.
}

Result<ListPage> RcloneHome::List(std::string_view prefix,
                                  std::string_view start_after,
                                  std::size_t max_keys) {
  if (max_keys == 0 ||
      (!prefix.empty() && !IsValidPath(std::string(prefix) + "x"))) {
    return InvalidArgumentError(Describe() + ": list \"" + std::string(prefix) +
                                "\": invalid prefix or max_keys 0");
  }
  const std::size_t slash = prefix.rfind('/');
  const std::string dir(slash == std::string_view::npos
                            ? std::string_view()
                            : prefix.substr(0, slash));
  const json request = {{"fs", options_.remote},
                        {"remote", dir},
                        {"opt",
                         {{"recurse", true},
                          {"filesOnly", true},
                          {"noMimeType", true},
                          {"noModTime", true}}}};
  COVEN_ASSIGN_OR_RETURN(
      Reply reply, Call("list", prefix, "operations/list", request.dump()));
  std::vector<ObjectInfo> all;
  if (reply.response.status == 404) return ListPage{};  // No such folder.
  if (reply.response.status != 200) return ErrorFor("list", prefix, reply);
  try {
    const json parsed = json::parse(AsString(reply.response.body));
    for (const json& item : parsed.at("list")) {
      std::string path = item.at("Path").get<std::string>();
      if (!path.starts_with(prefix) || !IsValidPath(path)) continue;
      all.push_back({std::move(path), item.at("Size").get<std::uint64_t>()});
    }
  } catch (const json::exception& e) {
    return InternalError(Describe() + ": list \"" + std::string(prefix) +
                         "\": unexpected operations/list reply: " + e.what());
  }
  return PageSorted(std::move(all), start_after, max_keys);
}

Status RcloneHome::Delete(std::string_view path) {
  if (!IsValidPath(path)) return BadPath("delete", path);
  const json request = {{"fs", options_.remote}, {"remote", path}};
  COVEN_ASSIGN_OR_RETURN(
      Reply reply,
      Call("delete", path, "operations/deletefile", request.dump()));
  if (reply.response.status == 200 || reply.response.status == 404) {
    return Status::Ok();
  }
  return ErrorFor("delete", path, reply);
}

Capabilities RcloneHome::capabilities() const {
  Capabilities caps;
  caps.conditional_create = CreateSupport::kEmulated;
  caps.atomic_replace = false;  // Depends on the backend; assume not.
  caps.range_reads = true;
  caps.server_sorted_list = false;
  caps.server_paged_list = false;
  caps.needs_parent_dirs = false;  // rclone makes them.
  caps.parallel_reads = http::kNetworkParallelReads;
  return caps;
}

}  // namespace coven::home
