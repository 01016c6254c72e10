// RcloneHome: a home on any rclone remote (Google Drive, Dropbox, OneDrive,
// and the other rclone backends), through one long-lived `rclone rcd` that
// the home starts, owns and stops.
//
// The rcd listens on 127.0.0.1 with a random port and random credentials
// (passed in its environment, never on the command line; never --rc-no-auth).
// Objects are uploaded with operations/copyfile from a private temporary
// file, read with the rc server's GET (honouring Range), listed with
// operations/list (sorted and paged locally), probed with operations/stat
// and removed with operations/deletefile. No rclone backend offers
// create-once, so Create is emulated: stat, then upload.
//
// Thread safety: all methods may be called concurrently.
#ifndef COVEN_RCLONE_HOME_H_
#define COVEN_RCLONE_HOME_H_

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "coven/home.h"
#include "coven/network_options.h"
#include "coven/status.h"

namespace coven::util {
class ChildProcess;
}

namespace coven::home {

namespace http {
class HttpClient;
struct HttpResponse;
}  // namespace http

struct RcloneHomeOptions {
  /// The rclone "fs": a configured remote and path ("gdrive:coven/todos") or
  /// an on-the-fly one (":local:/data/coven"). Connection-string parameters
  /// (":webdav,url=...,pass=...:") are never shown in messages.
  std::string remote;
  /// The rclone program (a path, or a name looked up on PATH).
  std::string rclone = "rclone";
  /// rclone.conf to use; empty for rclone's default (~/.config/rclone).
  std::string config_path;
  /// If set, the rclone backend the remote must use (e.g. "iclouddrive");
  /// Open fails with kFailedPrecondition ("backend unavailable") when the
  /// installed rclone lacks it.
  std::string required_backend;
  /// Extra environment for the rcd, e.g. RCLONE_CONFIG_<NAME>_TYPE=webdav
  /// and RCLONE_CONFIG_<NAME>_URL=... to define a remote without a config
  /// file. Values are never logged.
  std::vector<std::pair<std::string, std::string>> env;
  NetworkOptions network;
};

class RcloneHome final : public Home {
 public:
  /// Starts the rcd and checks that the remote exists and its backend is
  /// available. Errors: kNotFound if rclone is not installed;
  /// kFailedPrecondition "backend unavailable" or "remote not configured"
  /// (saying to run `rclone config`); kUnavailable if the rcd does not start.
  static Result<std::shared_ptr<RcloneHome>> Open(RcloneHomeOptions options);
  /// Stops the rcd and removes the temporary upload folder.
  ~RcloneHome() override;

  /// See Home. Errors name "rclone home <remote>", the operation and the
  /// path, with rclone's own reason.
  Status Create(std::string_view path, ByteView data) override;
  Status Replace(std::string_view path, ByteView data) override;
  Result<Bytes> Get(std::string_view path, std::uint64_t max_bytes) override;
  Result<Bytes> GetRange(std::string_view path, std::uint64_t offset,
                         std::uint64_t length) override;
  Result<ListPage> List(std::string_view prefix, std::string_view start_after,
                        std::size_t max_keys) override;
  Status Delete(std::string_view path) override;
  Capabilities capabilities() const override;
  /// "rclone home <remote without connection-string parameters>".
  std::string Describe() const override;

  /// The running rcd's process id (tests), or -1.
  int rc_pid() const;

 private:
  explicit RcloneHome(RcloneHomeOptions options);
  struct Reply;
  Result<Reply> Call(std::string_view op, std::string_view path,
                     std::string_view method, const std::string& json) const;
  Status ErrorFor(std::string_view op, std::string_view path,
                  const Reply& reply) const;
  Status CheckBackend() const;
  Status Upload(std::string_view op, std::string_view path, ByteView data);
  Result<std::optional<std::uint64_t>> Stat(std::string_view op,
                                            std::string_view path) const;
  // GETs `path` (with `range` if not empty), its body capped at `max_bytes`
  // (see http::HttpRequest::max_body_bytes and keep_prefix).
  Result<http::HttpResponse> Fetch(std::string_view op, std::string_view path,
                                   const std::string& range,
                                   std::uint64_t max_bytes,
                                   bool keep_prefix) const;

  RcloneHomeOptions options_;
  std::string rc_user_;
  std::string rc_pass_;
  std::string upload_dir_;
  std::atomic<std::uint64_t> upload_counter_{0};
  /// The rcd's port, (re)starting it if it is not running (it is restarted
  /// if it ever dies, so one crash does not end syncing).
  Result<int> RcPort() const;

  mutable std::mutex rcd_mutex_;
  mutable std::shared_ptr<util::ChildProcess> rcd_;  // Guarded by rcd_mutex_.
  std::unique_ptr<http::HttpClient> client_;
};

}  // namespace coven::home

#endif  // COVEN_RCLONE_HOME_H_
