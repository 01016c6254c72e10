// WebDavHome plumbing: URLs, retries, error mapping, the create-once probe,
// MKCOL of parents and the PROPFIND walk.

#include "coven/webdav_home.h"
#include "home/http/http_client.h"
#include "home/http/retry.h"
#include "home/http/xml_reader.h"
#include "home/webdav/webdav_xml.h"

namespace coven::home {

using http::HttpRequest;
using http::HttpResponse;

std::string WebDavHome::Url(std::string_view path) const {
  return options_.url + "/" + http::PercentEncode(path, /*keep_slash=*/true);
}

Result<HttpResponse> WebDavHome::Send(std::string_view op,
                                      std::string_view path,
                                      HttpRequest request,
                                      bool* retried) const {
  if (!options_.user.empty() || !options_.password.empty()) {
    request.userpwd = options_.user + ":" + options_.password;
  }
  const std::string description = Describe();
  // 423 Locked: a concurrent MKCOL or PUT of the same resource holds it.
  auto transient = [](const HttpResponse& response) {
    return http::IsTransientStatus(response) || response.status == 423;
  };
  return http::PerformWithRetries(*client_, std::move(request),
                                  options_.network, {description, op, path},
                                  transient, retried);
}

Status WebDavHome::ErrorFor(std::string_view op, std::string_view path,
                            const HttpResponse& response) const {
  const std::string description = Describe();
  std::string hint;
  if (response.status == 401 || response.status == 403) {
    hint =
        "check COVEN_WEBDAV_USER/COVEN_WEBDAV_PASSWORD and the folder's "
        "permissions";
  } else if (response.status == 507) {
    hint = "the server is out of space";
  }
  std::string detail(AsString(response.body).substr(0, 200));
  while (!detail.empty() && (detail.back() == '\n' || detail.back() == ' ')) {
    detail.pop_back();
  }
  return http::HttpStatusError({description, op, path}, response.status, detail,
                               hint);
}

Result<bool> WebDavHome::NativeCreate() const {
  std::lock_guard<std::mutex> probing(probe_mutex_);  // One probe at a time.
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (native_create_.has_value()) return *native_create_;
    if (options_.create_mode != WebDavHomeOptions::CreateMode::kProbe) {
      native_create_ =
          options_.create_mode == WebDavHomeOptions::CreateMode::kNative;
      return *native_create_;
    }
  }
  const std::string name = http::ProbeName(options_.network);
  const Bytes body = ToBytes("coven create-once probe");
  Status first = Put("probe create-once", name, body, true, nullptr);
  if (!first.ok()) return first;
  Status second = Put("probe create-once", name, body, true, nullptr);
  if (!second.ok() && second.code() != StatusCode::kAlreadyExists) {
    return second;
  }
  HttpRequest del;
  del.method = "DELETE";
  del.url = Url(name);
  (void)Send("delete probe", name, std::move(del));
  std::lock_guard<std::mutex> lock(mutex_);
  native_create_ = second.code() == StatusCode::kAlreadyExists;
  return *native_create_;
}

Status WebDavHome::MakeParents(std::string_view op,
                               std::string_view path) const {
  // Top-down, from the home's own collection (dir ""): MKCOL answers 409
  // when an ancestor is missing.
  for (std::size_t slash = 0; slash != std::string_view::npos;
       slash = path.find('/', slash + 1)) {
    const std::string dir(slash == 0 ? std::string_view()
                                     : path.substr(0, slash + 1));
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (known_dirs_.count(dir) > 0) continue;
    }
    HttpRequest mkcol;
    mkcol.method = "MKCOL";
    mkcol.url = Url(dir);
    COVEN_ASSIGN_OR_RETURN(HttpResponse response,
                           Send(op, dir, std::move(mkcol)));
    if (dir.empty() && response.status == 409) {
      // The home's own collection lacks ancestors: make them top-down from
      // the server root, then the collection itself.
      const std::string root = options_.url.substr(
          0, options_.url.find('/', options_.url.find("://") + 3));
      for (std::size_t at = base_path_.find('/', 1);
           at != std::string::npos && at + 1 < base_path_.size();
           at = base_path_.find('/', at + 1)) {
        HttpRequest up;
        up.method = "MKCOL";
        up.url = root + http::PercentEncode(base_path_.substr(0, at + 1),
                                            /*keep_slash=*/true);
        COVEN_ASSIGN_OR_RETURN(HttpResponse made, Send(op, "", std::move(up)));
        (void)made;  // 201 or 405 (exists); a real failure shows below.
      }
      HttpRequest again;
      again.method = "MKCOL";
      again.url = Url(dir);
      COVEN_ASSIGN_OR_RETURN(response, Send(op, dir, std::move(again)));
    }
    // 201 made; 405 (or rclone's 201) already there.
    if (response.status != 201 && response.status != 200 &&
        response.status != 405) {
      return ErrorFor(std::string(op) + " (making folder)", dir, response);
    }
    std::lock_guard<std::mutex> lock(mutex_);
    known_dirs_.insert(dir);
  }
  return Status::Ok();
}

Status WebDavHome::Put(std::string_view op, std::string_view path,
                       ByteView data, bool if_none_match, bool* retried) const {
  bool made_parents = false;
  while (true) {
    HttpRequest put;
    put.method = "PUT";
    put.url = Url(path);
    put.body = data;
    if (if_none_match) put.headers.push_back("If-None-Match: *");
    bool this_retried = false;
    COVEN_ASSIGN_OR_RETURN(HttpResponse response,
                           Send(op, path, std::move(put), &this_retried));
    if (retried != nullptr) *retried = *retried || this_retried;
    const long status = response.status;
    if (status == 200 || status == 201 || status == 204) return Status::Ok();
    if (status == 412) {
      return AlreadyExistsError(Describe() + ": " + std::string(op) + " \"" +
                                std::string(path) + "\": the path is occupied");
    }
    if ((status == 404 || status == 409) && !made_parents) {
      {
        // A cached folder may have been removed behind our back.
        std::lock_guard<std::mutex> lock(mutex_);
        known_dirs_.clear();
      }
      COVEN_RETURN_IF_ERROR(MakeParents(op, path));
      made_parents = true;
      continue;
    }
    return ErrorFor(op, path, response);
  }
}

Status WebDavHome::Walk(std::string_view dir, std::string_view prefix,
                        std::vector<ObjectInfo>* out) const {
  static constexpr char kPropfind[] =
      "<?xml version=\"1.0\" encoding=\"utf-8\"?>"
      "<D:propfind xmlns:D=\"DAV:\"><D:prop><D:resourcetype/>"
      "<D:getcontentlength/></D:prop></D:propfind>";
  HttpRequest propfind;
  propfind.method = "PROPFIND";
  propfind.url = Url(dir);
  propfind.headers = {"Depth: 1", "Content-Type: application/xml"};
  propfind.max_body_bytes = http::kMaxListReplyBytes;
  propfind.body = AsBytes(kPropfind);
  propfind.has_body = true;
  COVEN_ASSIGN_OR_RETURN(HttpResponse response,
                         Send("list", prefix, std::move(propfind)));
  if (response.status == 404) return Status::Ok();  // No such folder: empty.
  if (response.status != 207) return ErrorFor("list", prefix, response);
  Result<std::vector<DavEntry>> entries =
      ParseDavMultistatus(AsString(response.body));
  if (!entries.ok()) {
    return http::XmlReplyError(Describe(), "list", prefix, entries.status());
  }
  for (DavEntry& entry : *entries) {
    std::string href = std::move(entry.href);
    if (const std::size_t scheme = href.find("://");
        scheme != std::string::npos) {
      const std::size_t path_start = href.find('/', scheme + 3);
      href = path_start == std::string::npos ? "/" : href.substr(path_start);
    }
    href = http::PercentDecode(href);
    if (!href.starts_with(base_path_)) continue;
    std::string relative = href.substr(base_path_.size());
    if (entry.collection) {
      if (!relative.empty() && relative.back() != '/') relative += '/';
      if (relative.size() <= dir.size()) continue;  // The folder itself.
      // Descend only where paths under the folder can match the prefix.
      if (relative.starts_with(prefix) || prefix.starts_with(relative)) {
        COVEN_RETURN_IF_ERROR(Walk(relative, prefix, out));
      }
      continue;
    }
    if (!relative.starts_with(prefix) || !IsValidPath(relative)) continue;
    out->push_back({relative, entry.length});
  }
  return Status::Ok();
}

}  // namespace coven::home
