#include "keys/key_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "crypto/secret.h"

namespace coven::keys {

namespace {
std::string Errno() { return std::strerror(errno); }

Status MakeDirs(const std::string& dir) {
  std::string partial;
  for (std::size_t i = 0; i <= dir.size(); ++i) {
    if (i == dir.size() || dir[i] == '/') {
      if (!partial.empty() && mkdir(partial.c_str(), 0700) != 0 &&
          errno != EEXIST) {
        return PermissionDeniedError("cannot create key directory " + partial +
                                     ": " + Errno());
      }
    }
    if (i < dir.size()) partial += dir[i];
  }
  return Status::Ok();
}
}  // namespace

Result<std::optional<Bytes>> ReadKeyFile(const std::string& path,
                                         std::size_t size) {
  // O_NOFOLLOW: a symlink planted in place of a key file could point the
  // reader at another key, or at a file another user controls.
  int fd = open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::optional<Bytes>();
    if (errno == ELOOP) {
      return PermissionDeniedError("key file " + path +
                                   " is a symbolic link; coven refuses to "
                                   "follow it: replace it with the file "
                                   "itself");
    }
    return PermissionDeniedError("cannot read key file " + path + ": " +
                                 Errno());
  }
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    close(fd);
    return InternalError("cannot stat key file " + path + ": " + Errno());
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    return PermissionDeniedError("key file " + path +
                                 " is not a regular file; restore it from a "
                                 "backup");
  }
  if (st.st_uid != geteuid()) {
    close(fd);
    return PermissionDeniedError(
        "key file " + path + " belongs to user id " +
        std::to_string(st.st_uid) + ", not to this user (" +
        std::to_string(geteuid()) +
        "); coven only trusts key files it owns: check who put it there, "
        "then `chown` it or restore it from a backup");
  }
  if ((st.st_mode & 077) != 0) {
    close(fd);
    char mode[8];
    std::snprintf(mode, sizeof(mode), "%04o", st.st_mode & 0777);
    return PermissionDeniedError("key file " + path + " has mode " + mode +
                                 " and can be read by other users; run `chmod "
                                 "600 " +
                                 path +
                                 "` (and consider the key "
                                 "exposed)");
  }
  std::string text(size * 2 + 2, '\0');
  crypto::ScopedWipe<std::string> wipe_text(text);  // The key in hex.
  ssize_t n = read(fd, text.data(), text.size());
  close(fd);
  if (n < 0)
    return InternalError("cannot read key file " + path + ": " + Errno());
  text.resize(static_cast<std::size_t>(n));
  while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
    text.pop_back();
  Bytes key;
  if (text.size() != size * 2 || !HexDecode(text, &key)) {
    return DataLossError("key file " + path + " is damaged (expected " +
                         std::to_string(size * 2) +
                         " hex digits); restore it from a backup");
  }
  return std::optional<Bytes>(std::move(key));
}

Status CreateKeyFile(const std::string& path, ByteView key) {
  std::size_t slash = path.rfind('/');
  if (slash != std::string::npos && slash > 0) {
    COVEN_RETURN_IF_ERROR(MakeDirs(path.substr(0, slash)));
  }
  std::string tmp = path + ".tmp." + std::to_string(getpid());
  unlink(tmp.c_str());  // A stale temporary of a crashed writer.
  int fd = open(tmp.c_str(),
                O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    return PermissionDeniedError("cannot create key file " + tmp + ": " +
                                 Errno());
  }
  // The key in hex, written in place so that no unwiped copy is left.
  std::string text(key.size() * 2 + 1, '\0');
  crypto::ScopedWipe<std::string> wipe_text(text);
  sodium_bin2hex(text.data(), text.size(), key.data(), key.size());
  text.back() = '\n';
  bool ok = write(fd, text.data(), text.size()) ==
                static_cast<ssize_t>(text.size()) &&
            fsync(fd) == 0;
  int saved = errno;
  close(fd);
  if (!ok) {
    unlink(tmp.c_str());
    errno = saved;
    return ResourceExhaustedError("cannot write key file " + path + ": " +
                                  Errno());
  }
  // link() refuses to replace: two processes cannot both create a key.
  int rc = link(tmp.c_str(), path.c_str());
  saved = errno;
  unlink(tmp.c_str());
  if (rc != 0) {
    if (saved == EEXIST)
      return AlreadyExistsError("key file " + path + " exists");
    errno = saved;
    return PermissionDeniedError("cannot create key file " + path + ": " +
                                 Errno());
  }
  if (slash != std::string::npos) {
    int dir = open(path.substr(0, slash == 0 ? 1 : slash).c_str(),
                   O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir >= 0) {
      fsync(dir);
      close(dir);
    }
  }
  return Status::Ok();
}

}  // namespace coven::keys
