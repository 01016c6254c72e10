// Internal helpers of FolderHome: POSIX file I/O with errno mapped to
// Status. Not part of the public API.
#ifndef COVEN_SRC_HOME_FOLDER_IO_H_
#define COVEN_SRC_HOME_FOLDER_IO_H_

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "coven/bytes.h"
#include "coven/status.h"

namespace coven::home::folder_io {

/// The directory (below the root) that holds temporary files.
inline constexpr std::string_view kTmpDir = ".tmp";

// Owns a file descriptor.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  // Closes now and returns close()'s errno (0 on success).
  int Close() {
    const int rc = ::close(fd_);
    fd_ = -1;
    return rc == 0 ? 0 : errno;
  }

 private:
  int fd_;
};

using DirPtr = std::unique_ptr<DIR, int (*)(DIR*)>;

/// root + "/" + rel.
std::string Join(const std::string& root, std::string_view rel);

/// True if the home's root directory itself is gone (e.g. an unmounted drive).
bool RootMissing(const std::string& root);

/// Maps `err` from a failed system call to a Status naming the home root, the
/// object path and what to do.
Status ErrnoStatus(const std::string& root, int err, std::string_view op,
                   std::string_view path, std::string_view detail);

/// Writes all of `data` to `fd`. Returns 0 or an errno.
int WriteAll(int fd, ByteView data);

/// Reads exactly `length` bytes at `offset` into `out`. Returns 0, an errno,
/// or -1 on a premature end of file.
int ReadAll(int fd, std::uint64_t offset, std::uint8_t* out,
            std::uint64_t length);

/// fsyncs the directory holding `abs_path`. Returns 0 or an errno.
int SyncParentDir(const std::string& abs_path);

/// Replaces the file `path` with `data` so that a crash leaves the old or the
/// new content, never a partial file: writes `path`.tmp (created with `mode`
/// before the umask), fsyncs it, renames it over `path` and fsyncs the
/// directory. Returns 0, or an errno with `*step` naming the step that failed
/// (e.g. "fsync <path>.tmp"). Used outside homes too (library.json).
int ReplaceFileDurably(const std::string& path, ByteView data, mode_t mode,
                       std::string* step);

/// Writes `data` to a fresh, fsynced file in <root>/.tmp; returns its path.
Result<std::string> WriteTemp(const std::string& root, std::string_view op,
                              std::string_view path, ByteView data);

/// mkdir -p of the parents of `path` below the root, tolerating races and
/// fsyncing each new directory's parent.
Status MakeParents(const std::string& root, std::string_view op,
                   std::string_view path);

/// Opens object `path` for reading and fstats it into `st`. kNotFound if
/// absent or not a regular file. The caller owns the returned descriptor.
Result<int> OpenObject(const std::string& root, std::string_view op,
                       std::string_view path, struct stat* st);

/// Removes temporary files (left by crashed writers) last modified more than
/// a day before `now_seconds` (Unix time, from the home's clock).
void RemoveStaleTemps(const std::string& root, std::int64_t now_seconds);

}  // namespace coven::home::folder_io

#endif  // COVEN_SRC_HOME_FOLDER_IO_H_
