#include "keys/secret_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "crypto/crypto.h"

namespace coven::keys {

namespace {

constexpr char kMagic[4] = {'C', 'V', 'S', 'F'};
constexpr std::uint8_t kVersion = 1;
constexpr std::size_t kHeaderBytes = 10;
constexpr std::size_t kCheckBytes = 16;
constexpr std::string_view kCheckLabel = "coven/secret-file/v1";

std::string Errno() { return std::strerror(errno); }

std::string Mode(mode_t mode) {
  char buffer[8];
  std::snprintf(buffer, sizeof(buffer), "%04o", mode & 07777);
  return buffer;
}

std::string Parent(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

void SyncDir(const std::string& dir) {
  int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    fsync(fd);
    close(fd);
  }
}

Status WriteAll(int fd, ByteView bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return ResourceExhaustedError(Errno());
    done += static_cast<std::size_t>(n);
  }
  return Status::Ok();
}

}  // namespace

Bytes EncodeSecretFile(SecretSealing sealing, ByteView content) {
  Bytes out(kMagic, kMagic + sizeof(kMagic));
  out.push_back(kVersion);
  out.push_back(static_cast<std::uint8_t>(sealing));
  for (int shift = 24; shift >= 0; shift -= 8) {
    out.push_back(static_cast<std::uint8_t>(content.size() >> shift));
  }
  out.insert(out.end(), content.begin(), content.end());
  const crypto::Hash256 check = crypto::Hash(kCheckLabel, out);
  out.insert(out.end(), check.begin(), check.begin() + kCheckBytes);
  return out;
}

Result<SecretFileContent> DecodeSecretFile(ByteView file,
                                           const std::string& path) {
  const std::string fix = "; restore it from a backup or Remove it";
  if (file.size() < kHeaderBytes + kCheckBytes) {
    return DataLossError("secret file " + path + " is truncated" + fix);
  }
  if (std::memcmp(file.data(), kMagic, sizeof(kMagic)) != 0 ||
      file[4] != kVersion) {
    return DataLossError("secret file " + path +
                         " is damaged or not a coven secret file (bad magic "
                         "or version)" +
                         fix);
  }
  const std::size_t length = (std::size_t{file[6]} << 24) |
                             (std::size_t{file[7]} << 16) |
                             (std::size_t{file[8]} << 8) | file[9];
  if (length != file.size() - kHeaderBytes - kCheckBytes) {
    return DataLossError("secret file " + path +
                         " is damaged (its length field does not match its "
                         "size)" +
                         fix);
  }
  const ByteView body = file.first(kHeaderBytes + length);
  const crypto::Hash256 check = crypto::Hash(kCheckLabel, body);
  if (std::memcmp(check.data(), file.data() + body.size(), kCheckBytes) != 0) {
    return DataLossError("secret file " + path +
                         " is damaged (its check value does not match)" + fix);
  }
  if (file[5] > static_cast<std::uint8_t>(SecretSealing::kPassphrase)) {
    return DataLossError("secret file " + path + " uses unknown sealing " +
                         std::to_string(file[5]) +
                         "; update coven if a newer version wrote it");
  }
  SecretFileContent out;
  out.sealing = static_cast<SecretSealing>(file[5]);
  out.content.assign(body.begin() + kHeaderBytes, body.end());
  return out;
}

Status CheckSecretDir(const std::string& dir) {
  struct stat st {};
  if (stat(dir.c_str(), &st) != 0) {
    if (errno == ENOENT) return Status::Ok();
    return PermissionDeniedError("cannot inspect secret directory " + dir +
                                 ": " + Errno());
  }
  if (!S_ISDIR(st.st_mode)) {
    return PermissionDeniedError("secret directory " + dir +
                                 " is not a directory; choose another path");
  }
  if ((st.st_mode & 077) != 0) {
    return PermissionDeniedError(
        "secret directory " + dir + " has mode " + Mode(st.st_mode) +
        " and other users can access it; run `chmod 700 " + dir + "`");
  }
  return Status::Ok();
}

Status EnsureSecretDir(const std::string& dir) {
  std::string partial;
  for (std::size_t i = 0; i <= dir.size(); ++i) {
    if ((i == dir.size() || dir[i] == '/') && !partial.empty() &&
        mkdir(partial.c_str(), 0700) != 0 && errno != EEXIST) {
      return PermissionDeniedError("cannot create secret directory " + partial +
                                   ": " + Errno());
    }
    if (i < dir.size()) partial += dir[i];
  }
  return CheckSecretDir(dir);
}

Result<std::optional<Bytes>> ReadSecretFile(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::optional<Bytes>();
    if (errno == ELOOP) {
      return PermissionDeniedError("secret file " + path +
                                   " is a symbolic link; replace it with "
                                   "the file itself");
    }
    return PermissionDeniedError("cannot read secret file " + path + ": " +
                                 Errno());
  }
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
      static_cast<std::size_t>(st.st_size) > kMaxSecretFileBytes) {
    close(fd);
    return DataLossError("secret file " + path +
                         " is not a regular file of at most 128 KiB; "
                         "restore it from a backup or Remove it");
  }
  if (st.st_uid != geteuid()) {
    close(fd);
    return PermissionDeniedError(
        "secret file " + path + " belongs to user id " +
        std::to_string(st.st_uid) + ", not to this user (" +
        std::to_string(geteuid()) +
        "); coven only trusts secret files it owns: check who put it there, "
        "then `chown` it or restore it from a backup");
  }
  if ((st.st_mode & 077) != 0) {
    close(fd);
    return PermissionDeniedError(
        "secret file " + path + " has mode " + Mode(st.st_mode) +
        " and can be read by other users; run `chmod 600 " + path +
        "` (and consider the secret exposed)");
  }
  Bytes bytes(static_cast<std::size_t>(st.st_size) + 1);
  std::size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = read(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const std::string error = Errno();
      close(fd);
      return InternalError("cannot read secret file " + path + ": " + error);
    }
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  close(fd);
  bytes.resize(done);
  return std::optional<Bytes>(std::move(bytes));
}

Status CreateSecretFile(const std::string& path, ByteView bytes) {
  static std::atomic<unsigned> counter{0};
  const std::string dir = Parent(path);
  const std::string tmp = dir + "/.tmp-" + std::to_string(getpid()) + "-" +
                          std::to_string(counter.fetch_add(1));
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return PermissionDeniedError("cannot create secret file in " + dir + ": " +
                                 Errno());
  }
  Status written = WriteAll(fd, bytes);
  if (written.ok() && fsync(fd) != 0) {
    written = ResourceExhaustedError(Errno());
  }
  close(fd);
  if (!written.ok()) {
    unlink(tmp.c_str());
    return written.Annotate("cannot write secret file " + path);
  }
  // link() never replaces: of two racing creators exactly one wins.
  const int rc = link(tmp.c_str(), path.c_str());
  const int saved = errno;
  unlink(tmp.c_str());
  if (rc != 0) {
    if (saved == EEXIST) {
      return AlreadyExistsError("secret file " + path + " exists");
    }
    return PermissionDeniedError("cannot create secret file " + path + ": " +
                                 std::strerror(saved));
  }
  SyncDir(dir);
  return Status::Ok();
}

Status RemoveSecretFile(const std::string& path) {
  if (unlink(path.c_str()) != 0) {
    if (errno == ENOENT) return Status::Ok();
    return PermissionDeniedError("cannot remove secret file " + path + ": " +
                                 Errno());
  }
  SyncDir(Parent(path));
  return Status::Ok();
}

}  // namespace coven::keys
