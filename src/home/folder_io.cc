#include "home/folder_io.h"

#include <fcntl.h>

#include <atomic>
#include <cstring>
#include <span>

#include "coven/entropy.h"

namespace coven::home::folder_io {
namespace {

constexpr std::int64_t kStaleTempSeconds = 24 * 60 * 60;

// Unique across processes and machines sharing the folder: pid, a counter
// and 64 random bits.
std::string TempName() {
  static std::atomic<std::uint64_t> counter{0};
  static SystemEntropy* const entropy = new SystemEntropy();
  std::uint64_t random = 0;
  entropy->Fill(std::span<std::uint8_t>(
      reinterpret_cast<std::uint8_t*>(&random), sizeof(random)));
  return std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" +
         HexEncode(ByteView(reinterpret_cast<const std::uint8_t*>(&random),
                            sizeof(random))) +
         ".tmp";
}

}  // namespace

std::string Join(const std::string& root, std::string_view rel) {
  std::string out = root;
  if (out.back() != '/') out += '/';
  out += rel;
  return out;
}

bool RootMissing(const std::string& root) {
  struct stat st;
  return ::stat(root.c_str(), &st) != 0 && errno == ENOENT;
}

// Maps an errno from a failed system call to a Status naming the home root,
// the object path and what to do.
Status ErrnoStatus(const std::string& root, int err, std::string_view op,
                   std::string_view path, std::string_view detail) {
  const std::string where = std::string(path) + " in folder home " + root;
  const std::string why =
      " (" + std::string(detail) + ": " + std::strerror(err) + ")";
  switch (err) {
    case ENOSPC:
    case EDQUOT:
      return ResourceExhaustedError("disk full while writing " + where +
                                    ": free space and sync again; nothing "
                                    "was lost");
    case EACCES:
    case EPERM:
    case EROFS:
      return PermissionDeniedError(
          "permission denied while " + std::string(op) + " " + where + why +
          ": give this user read and write access to " + root +
          " or choose another folder");
    case EIO:
      return UnavailableError("I/O error while " + std::string(op) + " " +
                              where + why +
                              ": check the disk or network share, then retry");
    case ENAMETOOLONG:
      return InvalidArgumentError("cannot store " + where + why +
                                  ": a path segment is too long for this "
                                  "file system");
    case ENOTDIR:
    case EISDIR:
      return FailedPreconditionError(
          std::string(op) + " " + where + " failed" + why +
          ": a file and a directory collide on this path; move the stray "
          "entry out of the home folder");
    case ENOENT:
      if (RootMissing(root)) {
        return UnavailableError("the folder home directory " + root +
                                " is missing while " + std::string(op) + " " +
                                std::string(path) +
                                ": reconnect the drive or share, then retry");
      }
      break;
    default:
      break;
  }
  return InternalError(std::string(op) + " " + where + " failed" + why);
}

// Writes all of `data` to `fd`, retrying short writes. Returns 0 or errno.
int WriteAll(int fd, ByteView data) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    done += static_cast<std::size_t>(n);
  }
  return 0;
}

// Reads exactly `length` bytes at `offset`. Returns 0, errno, or -1 on a
// premature end of file.
int ReadAll(int fd, std::uint64_t offset, std::uint8_t* out,
            std::uint64_t length) {
  std::uint64_t done = 0;
  while (done < length) {
    const ssize_t n = ::pread(fd, out + done, length - done,
                              static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (n == 0) return -1;
    done += static_cast<std::uint64_t>(n);
  }
  return 0;
}

// Syncs the directory holding `abs_path` so that a new name in it is durable.
int SyncParentDir(const std::string& abs_path) {
  const std::string dir = abs_path.substr(0, abs_path.rfind('/'));
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return errno;
  if (::fsync(fd.get()) != 0 && errno != EINVAL && errno != ENOTSUP) {
    return errno;
  }
  return 0;
}

int ReplaceFileDurably(const std::string& path, ByteView data, mode_t mode,
                       std::string* step) {
  const std::string tmp = path + ".tmp";
  int err = 0;
  {
    Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
    if (fd.get() < 0) {
      *step = "create " + tmp;
      return errno;
    }
    err = WriteAll(fd.get(), data);
    if (err != 0) {
      *step = "write " + tmp;
    } else if (::fsync(fd.get()) != 0) {
      err = errno;
      *step = "fsync " + tmp;
    } else if ((err = fd.Close()) != 0) {
      *step = "close " + tmp;
    }
  }
  if (err == 0 && ::rename(tmp.c_str(), path.c_str()) != 0) {
    err = errno;
    *step = "rename " + tmp + " to " + path;
  }
  if (err != 0) {
    ::unlink(tmp.c_str());
    return err;
  }
  // SyncParentDir wants a slash: a bare file name lives in ".".
  const std::string in_dir =
      path.find('/') == std::string::npos ? "./" + path : path;
  if ((err = SyncParentDir(in_dir)) != 0) {
    *step = "fsync the directory of " + path;
    return err;
  }
  return 0;
}

// Writes `data` to a fresh, fsynced temporary file; returns its path.
Result<std::string> WriteTemp(const std::string& root, std::string_view op,
                              std::string_view path, ByteView data) {
  const std::string tmp_dir = Join(root, kTmpDir);
  for (int attempt = 0;; ++attempt) {
    const std::string tmp = tmp_dir + "/" + TempName();
    Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666));
    if (fd.get() < 0) {
      const int err = errno;
      if (attempt < 3 && err == EEXIST) continue;
      if (attempt < 3 && err == ENOENT &&
          (::mkdir(tmp_dir.c_str(), 0777) == 0 || errno == EEXIST)) {
        continue;  // No .tmp yet (or someone removed it): make it. A missing
                   // root fails here, so the root is never recreated.
      }
      return ErrnoStatus(root, err, op, path, "create temporary file " + tmp);
    }
    int err = WriteAll(fd.get(), data);
    const char* step = "write";
    if (err == 0 && ::fsync(fd.get()) != 0) {
      err = errno;
      step = "fsync";
    }
    if (err == 0 && (err = fd.Close()) != 0) step = "close";
    if (err != 0) {
      ::unlink(tmp.c_str());
      return ErrnoStatus(root, err, op, path,
                         std::string(step) + " temporary file " + tmp);
    }
    return tmp;
  }
}

// mkdir -p of the parents of `path` below the root, tolerating races.
Status MakeParents(const std::string& root, std::string_view op,
                   std::string_view path) {
  for (std::size_t slash = path.find('/'); slash != std::string_view::npos;
       slash = path.find('/', slash + 1)) {
    const std::string dir = Join(root, path.substr(0, slash));
    if (::mkdir(dir.c_str(), 0777) == 0) {
      if (int err = SyncParentDir(dir); err != 0) {
        return ErrnoStatus(root, err, op, path, "fsync parent of " + dir);
      }
    } else if (errno != EEXIST) {
      return ErrnoStatus(root, errno, op, path, "mkdir " + dir);
    }
  }
  return Status::Ok();
}

// Opens an object for reading; kNotFound if absent or not a regular file.
Result<int> OpenObject(const std::string& root, std::string_view op,
                       std::string_view path, struct stat* st) {
  const std::string abs = Join(root, path);
  const int fd = ::open(abs.c_str(), O_RDONLY | O_CLOEXEC);
  int err = fd < 0 ? errno : 0;
  if (fd >= 0 && ::fstat(fd, st) != 0) err = errno;
  if (fd >= 0 && err == 0 && S_ISREG(st->st_mode)) return fd;
  if (fd >= 0) ::close(fd);
  if (err == 0 || err == ENOTDIR || (err == ENOENT && !RootMissing(root))) {
    return NotFoundError(std::string(op) + " " + std::string(path) +
                         " in folder home " + root + ": no such object");
  }
  return ErrnoStatus(root, err, op, path, "open " + abs);
}

void RemoveStaleTemps(const std::string& root, std::int64_t now_seconds) {
  const std::string tmp_dir = Join(root, kTmpDir);
  DirPtr dir(::opendir(tmp_dir.c_str()), &::closedir);
  if (!dir) return;
  const std::int64_t cutoff = now_seconds - kStaleTempSeconds;
  while (const dirent* entry = ::readdir(dir.get())) {
    struct stat st;
    if (entry->d_name[0] == '.') continue;
    if (::fstatat(::dirfd(dir.get()), entry->d_name, &st,
                  AT_SYMLINK_NOFOLLOW) == 0 &&
        S_ISREG(st.st_mode) && st.st_mtime < cutoff) {
      ::unlinkat(::dirfd(dir.get()), entry->d_name, 0);
    }
  }
}
}  // namespace coven::home::folder_io
