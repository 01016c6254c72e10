// WebDavHome: a home in a WebDAV collection (Nextcloud, ownCloud, Apache
// mod_dav, `rclone serve webdav`, NAS boxes).
//
// Object "log/a/1" is the resource <url>/log/a/1. Parent collections are
// made with MKCOL, top-down, when a PUT reports them missing (404 or 409),
// and remembered. Listing walks the tree with PROPFIND Depth 1 (Depth
// infinity is often disabled) and sorts and pages locally. Create-once uses
// `If-None-Match: *` when the server honours it (probed once per home) and is
// emulated (HEAD, then PUT) otherwise. Delete never removes a collection.
//
// Thread safety: all methods may be called concurrently.
#ifndef COVEN_WEBDAV_HOME_H_
#define COVEN_WEBDAV_HOME_H_

#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "coven/home.h"
#include "coven/network_options.h"
#include "coven/status.h"

namespace coven::home {

namespace http {
class HttpClient;
struct HttpRequest;
struct HttpResponse;
}  // namespace http

struct WebDavHomeOptions {
  /// The home's collection: "https://cloud.example.com/remote.php/dav/files/
  /// me/coven". No credentials in it.
  std::string url;
  /// HTTP Basic credentials; both empty for none. Never logged.
  std::string user;
  std::string password;
  /// kProbe: find out once whether the server honours If-None-Match.
  enum class CreateMode {
    kProbe,
    kNative,
    kEmulated
  } create_mode = CreateMode::kProbe;
  /// Whether PUT replaces atomically for readers (unknown for most servers,
  /// so false; `rclone serve webdav` writes in place).
  bool atomic_replace = false;
  NetworkOptions network;
};

class WebDavHome final : public Home {
 public:
  /// Checks the options (kInvalidArgument for a URL that is not http(s) or
  /// carries credentials). Makes no request.
  static Result<std::shared_ptr<WebDavHome>> Open(WebDavHomeOptions options);
  ~WebDavHome() override;

  /// See Home. Errors name "webdav home <url>", the operation and the path:
  /// kUnauthenticated (401) / kPermissionDenied (403) for credentials,
  /// kUnavailable/kDeadlineExceeded after the retries for transient failures.
  Status Create(std::string_view path, ByteView data) override;
  Status Replace(std::string_view path, ByteView data) override;
  Result<Bytes> Get(std::string_view path, std::uint64_t max_bytes) override;
  Result<Bytes> GetRange(std::string_view path, std::uint64_t offset,
                         std::uint64_t length) override;
  Result<ListPage> List(std::string_view prefix, std::string_view start_after,
                        std::size_t max_keys) override;
  /// Refuses (kFailedPrecondition) if `path` is a collection.
  Status Delete(std::string_view path) override;
  Capabilities capabilities() const override;
  /// "webdav home <url>".
  std::string Describe() const override;

 private:
  explicit WebDavHome(WebDavHomeOptions options);
  std::string Url(std::string_view path) const;
  Result<http::HttpResponse> Send(std::string_view op, std::string_view path,
                                  http::HttpRequest request,
                                  bool* retried = nullptr) const;
  Status ErrorFor(std::string_view op, std::string_view path,
                  const http::HttpResponse& response) const;
  Result<bool> NativeCreate() const;
  Status Put(std::string_view op, std::string_view path, ByteView data,
             bool if_none_match, bool* retried) const;
  Status MakeParents(std::string_view op, std::string_view path) const;
  Result<std::uint64_t> Size(std::string_view op, std::string_view path);
  Status Walk(std::string_view dir, std::string_view prefix,
              std::vector<ObjectInfo>* out) const;

  WebDavHomeOptions options_;
  std::string base_path_;  // URL path of the collection, ending in '/'.
  std::unique_ptr<http::HttpClient> client_;
  mutable std::mutex probe_mutex_;  // Held while probing; before mutex_.
  mutable std::mutex mutex_;
  mutable std::optional<bool> native_create_;  // Guarded by mutex_.
  mutable std::set<std::string> known_dirs_;   // Guarded by mutex_.
};

}  // namespace coven::home

#endif  // COVEN_WEBDAV_HOME_H_
