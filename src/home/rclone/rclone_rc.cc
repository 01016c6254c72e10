// RcloneHome plumbing: starting the rcd, rc calls, error mapping and the
// backend check.
#include <sodium.h>
#include <stdlib.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "coven/rclone_home.h"
#include "home/http/http_client.h"
#include "home/http/retry.h"
#include "home/rclone/rclone_reply.h"
#include "util/child_process.h"

namespace coven::home {
namespace {

std::string RandomHex(std::size_t bytes) {
  Bytes raw(bytes);
  randombytes_buf(raw.data(), raw.size());
  return HexEncode(raw);
}

// The backend an fs string uses when it is on-the-fly (":local:/x",
// ":webdav,url=...:"), else "" (a configured remote).
std::string OnTheFlyBackend(std::string_view fs) {
  if (!fs.starts_with(':')) return "";
  const std::size_t end = fs.find_first_of(",:", 1);
  return std::string(fs.substr(
      1, end == std::string_view::npos ? std::string_view::npos : end - 1));
}

}  // namespace

RcloneHome::RcloneHome(RcloneHomeOptions options)
    : options_(std::move(options)),
      client_(std::make_unique<http::HttpClient>()) {}

RcloneHome::~RcloneHome() {
  rcd_.reset();
  if (!upload_dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(upload_dir_, ec);
  }
}

int RcloneHome::rc_pid() const {
  std::lock_guard<std::mutex> lock(rcd_mutex_);
  return rcd_ ? rcd_->pid() : -1;
}

Result<int> RcloneHome::RcPort() const {
  std::lock_guard<std::mutex> lock(rcd_mutex_);
  if (rcd_ && rcd_->running()) return rcd_->port();
  rcd_.reset();
  util::ChildProcessOptions rcd;
  rcd.argv = {options_.rclone, "rcd", "--rc-addr", "127.0.0.1:0", "--rc-serve"};
  if (!options_.config_path.empty()) {
    rcd.argv.push_back("--config");
    rcd.argv.push_back(options_.config_path);
  }
  rcd.env = options_.env;
  rcd.env.push_back({"RCLONE_RC_USER", rc_user_});
  rcd.env.push_back({"RCLONE_RC_PASS", rc_pass_});
  rcd.port_marker = "Serving remote control on http://127.0.0.1:";
  Result<std::unique_ptr<util::ChildProcess>> started =
      util::ChildProcess::Start(std::move(rcd));
  if (!started.ok()) {
    return Status(
        started.status().code(),
        Describe() + ": starting `rclone rcd`: " + started.status().message());
  }
  rcd_ = std::move(*started);
  return rcd_->port();
}

Result<std::shared_ptr<RcloneHome>> RcloneHome::Open(
    RcloneHomeOptions options) {
  if (options.remote.find(':') == std::string::npos) {
    return InvalidArgumentError(
        "rclone home: \"" + options.remote +
        "\" is not an rclone remote; expected NAME:PATH (see `rclone config`) "
        "or :BACKEND:PATH");
  }
  if (options.remote.find("//") != std::string::npos) {
    // rclone's rc server cleans "//" out of request paths, so such an fs
    // string cannot be read through it.
    return InvalidArgumentError(
        "rclone home: remote parameters containing \"//\" (such as a url=) "
        "cannot be used inline; define the remote with `rclone config` or "
        "RCLONE_CONFIG_<NAME>_<OPTION> environment variables");
  }
  if (sodium_init() < 0) return InternalError("libsodium failed to start");
  std::shared_ptr<RcloneHome> home(new RcloneHome(std::move(options)));
  std::string dir = "/tmp/coven-rclone-XXXXXX";
  if (::mkdtemp(dir.data()) == nullptr) {
    return UnavailableError("rclone home: cannot make a temporary folder");
  }
  home->upload_dir_ = dir;
  home->rc_user_ = "coven-" + RandomHex(8);
  home->rc_pass_ = RandomHex(24);
  COVEN_RETURN_IF_ERROR(home->RcPort().status());
  COVEN_RETURN_IF_ERROR(home->CheckBackend());
  return home;
}

Result<RcloneHome::Reply> RcloneHome::Call(std::string_view op,
                                           std::string_view path,
                                           std::string_view method,
                                           const std::string& json) const {
  COVEN_ASSIGN_OR_RETURN(const int port, RcPort());
  http::HttpRequest request;
  request.method = "POST";
  request.url =
      "http://127.0.0.1:" + std::to_string(port) + "/" + std::string(method);
  request.userpwd = rc_user_ + ":" + rc_pass_;
  request.headers = {"Content-Type: application/json"};
  request.body = AsBytes(json);
  request.has_body = true;
  if (method == "operations/list") {
    request.max_body_bytes = http::kMaxListReplyBytes;
  }
  const std::string description = Describe();
  Reply reply;
  COVEN_ASSIGN_OR_RETURN(
      reply.response,
      http::PerformWithRetries(*client_, std::move(request), options_.network,
                               {description, op, path}, http::IsTransientStatus,
                               &reply.retried));
  return reply;
}

Status RcloneHome::ErrorFor(std::string_view op, std::string_view path,
                            const Reply& reply) const {
  // Only rclone's JSON "error" text, never a raw body (an HTML redirect
  // would echo the whole fs string), and with the fs string itself replaced
  // by its redacted form: on-the-fly remotes carry parameters.
  std::string detail;
  try {
    const auto json = nlohmann::json::parse(AsString(reply.response.body));
    detail = json.value("error", "");
  } catch (const nlohmann::json::exception&) {
  }
  const std::string shown = Describe().substr(sizeof("rclone home ") - 1);
  for (std::size_t at;
       (at = detail.find(options_.remote)) != std::string::npos;) {
    detail.replace(at, options_.remote.size(), shown);
  }
  const std::string description = Describe();
  return http::HttpStatusError({description, op, path}, reply.response.status,
                               detail);
}

Status RcloneHome::CheckBackend() const {
  std::string backend = OnTheFlyBackend(options_.remote);
  const std::string name = options_.remote.substr(0, options_.remote.find(':'));
  COVEN_ASSIGN_OR_RETURN(Reply providers,
                         Call("open", "", "config/providers", "{}"));
  if (providers.response.status != 200) {
    return ErrorFor("open", "", providers);
  }
  auto has_backend = [&](const std::string& wanted) {
    try {
      const auto json =
          nlohmann::json::parse(AsString(providers.response.body));
      for (const auto& provider : json.at("providers")) {
        if (provider.value("Prefix", "") == wanted) return true;
      }
    } catch (const nlohmann::json::exception&) {
    }
    return false;
  };
  auto unavailable = [&](const std::string& wanted) {
    return FailedPreconditionError(
        Describe() + ": backend unavailable: the installed rclone has no \"" +
        wanted + "\" backend" +
        (wanted == "iclouddrive" ? " (iCloud Drive needs rclone 1.69 or later)"
                                 : "") +
        "; install a newer rclone");
  };
  if (!options_.required_backend.empty() &&
      !has_backend(options_.required_backend)) {
    return unavailable(options_.required_backend);
  }
  if (backend.empty()) {
    nlohmann::json request = {{"name", name}};
    COVEN_ASSIGN_OR_RETURN(Reply got,
                           Call("open", "", "config/get", request.dump()));
    if (got.response.status != 200) return ErrorFor("open", "", got);
    try {
      backend =
          nlohmann::json::parse(AsString(got.response.body)).value("type", "");
    } catch (const nlohmann::json::exception&) {
    }
    if (backend.empty()) {
      // A remote defined by environment variables (config/get cannot see
      // those): RCLONE_CONFIG_<NAME>_TYPE.
      std::string variable = "RCLONE_CONFIG_";
      for (char c : name) variable += static_cast<char>(std::toupper(c));
      variable += "_TYPE";
      for (const auto& [key, value] : options_.env) {
        if (key == variable) backend = value;
      }
      if (const char* set = std::getenv(variable.c_str());
          backend.empty() && set != nullptr) {
        backend = set;
      }
    }
    if (backend.empty()) {
      return FailedPreconditionError(
          Describe() + ": rclone remote \"" + name +
          "\" is not configured; run `rclone config` to connect it (see "
          "README \"Cloud homes\")");
    }
  }
  if (!has_backend(backend)) return unavailable(backend);
  if (!options_.required_backend.empty() &&
      backend != options_.required_backend) {
    return FailedPreconditionError(
        Describe() + ": rclone remote \"" + name + "\" is a \"" + backend +
        "\" remote, expected \"" + options_.required_backend + "\"");
  }
  return Status::Ok();
}

std::string RcloneHome::Describe() const {
  std::string shown = options_.remote;
  if (shown.starts_with(':')) {
    // ":webdav,url=...,pass=...:path" -> ":webdav:path" (no parameters).
    const std::string backend = OnTheFlyBackend(shown);
    // Parameters run to the first ':' after the last quote or comma (quoted
    // values may contain ':').
    const std::size_t last = shown.find_last_of("'\",");
    const std::size_t rest = shown.find(
        ':', last == std::string::npos ? 1 : std::max<std::size_t>(last, 1));
    shown = ":" + backend +
            (rest == std::string::npos ? std::string(":") : shown.substr(rest));
  }
  return "rclone home " + shown;
}

}  // namespace coven::home
