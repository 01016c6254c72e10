// Real servers for the network homes' tests, each started on 127.0.0.1 with
// a free port (the server binds port 0 and prints it) and stopped when the
// object is destroyed:
//   - s3rver (npm, installed by scripts/install-test-servers.sh),
//   - `rclone serve webdav` (Debian's rclone).
// A missing binary is a test failure with a message saying how to install it.
#ifndef COVEN_TESTS_TEST_SERVERS_H_
#define COVEN_TESTS_TEST_SERVERS_H_

#include <memory>
#include <string>

#include "coven/status.h"
#include "util/child_process.h"

namespace coven::testing {

/// A scratch directory removed (recursively) on destruction.
class TempDir {
 public:
  /// Creates /tmp/coven-<tag>-XXXXXX; path() is empty on failure.
  explicit TempDir(const std::string& tag);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

class TestServer {
 public:
  virtual ~TestServer() = default;
  int port() const { return process_->port(); }
  /// "http://127.0.0.1:<port>".
  std::string endpoint() const;
  /// The directory the server stores into.
  const std::string& dir() const { return dir_->path(); }
  util::ChildProcess& process() { return *process_; }

 protected:
  std::unique_ptr<TempDir> dir_;
  std::unique_ptr<util::ChildProcess> process_;
  friend Result<std::unique_ptr<TestServer>> StartS3rver(const std::string&);
  friend Result<std::unique_ptr<TestServer>> StartRcloneWebDav(
      const std::string&, const std::string&);
};

/// The s3rver access key; s3rver rejects any other with 403.
inline constexpr const char* kS3rverAccessKey = "S3RVER";
inline constexpr const char* kS3rverSecretKey = "S3RVER";

/// Path of the project-local s3rver.
std::string S3rverPath();

/// Starts s3rver with bucket `bucket` (already created).
Result<std::unique_ptr<TestServer>> StartS3rver(const std::string& bucket);

/// Starts `rclone serve webdav` with basic auth `user`/`pass`.
Result<std::unique_ptr<TestServer>> StartRcloneWebDav(const std::string& user,
                                                      const std::string& pass);

/// Process-wide shared servers (started on first use, stopped at exit), so a
/// test binary pays each server's start-up once. Fails the calling test and
/// returns null if the server cannot start.
TestServer* SharedS3rver();  ///< Bucket "home".
TestServer* SharedWebDav();  ///< User "coven", password "test-password".
inline constexpr const char* kWebDavUser = "coven";
inline constexpr const char* kWebDavPassword = "test-password";

/// A process-unique name "<tag>-<pid>-<counter>" for fresh homes on a shared
/// server.
std::string UniqueName(const std::string& tag);

}  // namespace coven::testing

#endif  // COVEN_TESTS_TEST_SERVERS_H_
