#include "coven/folder_home.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <vector>

#include "home/folder_io.h"

namespace coven::home {
namespace {

using folder_io::DirPtr;
using folder_io::ErrnoStatus;
using folder_io::Fd;
using folder_io::Join;
using folder_io::kTmpDir;
using folder_io::RootMissing;

Status InvalidPath(const std::string& root, std::string_view op,
                   std::string_view path) {
  return InvalidArgumentError(
      std::string(op) + " in folder home " + root + ": \"" + std::string(path) +
      "\" is not a valid home path (lowercase [a-z0-9._-] segments separated "
      "by '/', at most 512 characters, not under .tmp/)");
}

Status CheckPath(const std::string& root, std::string_view op,
                 std::string_view path) {
  if (!IsValidPath(path) || path == kTmpDir ||
      path.starts_with(std::string(kTmpDir) + "/")) {
    return InvalidPath(root, op, path);
  }
  return Status::Ok();
}

struct Walk {
  const std::string& root;
  std::string_view start_after;
  std::size_t max_keys;
  ListPage page;
  bool done = false;
};

// Lists `rel_dir` ("" or "a/b/") in byte order of full path, entering
// subdirectories in place. Only names starting with `name_prefix` count.
Status WalkDir(Walk& walk, const std::string& rel_dir,
               std::string_view name_prefix) {
  const std::string abs =
      rel_dir.empty() ? walk.root : Join(walk.root, rel_dir);
  DirPtr dir(::opendir(abs.c_str()), &::closedir);
  if (!dir) {
    const int err = errno;
    if ((err == ENOENT && !RootMissing(walk.root)) || err == ENOTDIR) {
      return Status::Ok();
    }
    return ErrnoStatus(walk.root, err, "listing", rel_dir, "opendir " + abs);
  }
  const int dir_fd = ::dirfd(dir.get());
  struct Entry {
    std::string key;  // The name, plus '/' for a directory.
    bool is_dir;
  };
  std::vector<Entry> entries;
  while (true) {
    errno = 0;
    const dirent* entry = ::readdir(dir.get());
    if (entry == nullptr) {
      if (errno != 0) {
        return ErrnoStatus(walk.root, errno, "listing", rel_dir,
                           "readdir " + abs);
      }
      break;
    }
    const std::string_view name = entry->d_name;
    if (!name.starts_with(name_prefix) || !IsValidPath(name)) continue;
    if (rel_dir.empty() && name == kTmpDir) continue;
    unsigned char type = entry->d_type;
    if (type == DT_UNKNOWN) {
      struct stat st;
      if (::fstatat(dir_fd, entry->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        continue;
      }
      type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : 0;
    }
    if (type == DT_DIR) entries.push_back({std::string(name) + "/", true});
    if (type == DT_REG) entries.push_back({std::string(name), false});
  }
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.key < b.key; });
  const std::string_view after = walk.start_after;
  for (const Entry& entry : entries) {
    const std::string full = rel_dir + entry.key;
    if (entry.is_dir) {
      // Skip a directory whose every path sorts at or before start_after.
      if (after > full && !after.starts_with(full)) continue;
      if (full.size() >= 512) continue;
      COVEN_RETURN_IF_ERROR(WalkDir(walk, full, ""));
      if (walk.done) return Status::Ok();
      continue;
    }
    if (full <= after || !IsValidPath(full)) continue;
    struct stat st;
    if (::fstatat(dir_fd, entry.key.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 ||
        !S_ISREG(st.st_mode)) {
      continue;  // Deleted meanwhile, or replaced by something else.
    }
    if (walk.page.objects.size() == walk.max_keys) {
      walk.page.truncated = true;
      walk.done = true;
      return Status::Ok();
    }
    walk.page.objects.push_back(
        ObjectInfo{full, static_cast<std::uint64_t>(st.st_size)});
  }
  return Status::Ok();
}

// The absolute, normalized form of `root_dir` without trailing slashes.
Result<std::string> NormalizeRoot(const std::string& root_dir) {
  if (root_dir.empty()) {
    return InvalidArgumentError("folder home: the directory path is empty");
  }
  std::error_code ec;
  std::filesystem::path abs = std::filesystem::absolute(root_dir, ec);
  if (ec) {
    return InternalError("folder home " + root_dir +
                         ": cannot make the path absolute: " + ec.message());
  }
  std::string root = abs.lexically_normal().string();
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  return root;
}

}  // namespace

// Opens `root_dir`; with `create`, makes it (and its parents) if missing.
Result<std::shared_ptr<FolderHome>> FolderHome::OpenRoot(std::string root_dir,
                                                         bool create,
                                                         clock::Clock& clock) {
  COVEN_ASSIGN_OR_RETURN(std::string root, NormalizeRoot(root_dir));
  struct stat st;
  if (::stat(root.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) {
      return FailedPreconditionError(
          "cannot open folder home " + root +
          ": it exists and is not a directory; choose a directory path");
    }
  } else if (errno == ENOENT && !create) {
    // Not there (yet): an unmounted drive or share. Every call reports
    // kUnavailable until it appears; nothing here creates it.
    return std::shared_ptr<FolderHome>(new FolderHome(std::move(root)));
  } else if (errno == ENOENT) {
    std::error_code ec;
    std::filesystem::create_directories(root, ec);
    if (ec) {
      const int err = ec.value();
      std::string msg = "cannot create folder home directory " + root + " (" +
                        ec.message() + ")";
      if (err == EACCES || err == EPERM || err == EROFS) {
        return PermissionDeniedError(
            msg + ": create it yourself or choose a directory you can write");
      }
      if (err == ENOTDIR || err == EEXIST) {
        return FailedPreconditionError(
            msg + ": a parent is not a directory; choose another path");
      }
      return ErrnoStatus(root, err, "creating", root, "create directories");
    }
  } else {
    const int err = errno;
    if (err == EACCES || err == EPERM) {
      return PermissionDeniedError(
          "cannot open folder home " + root + " (" + std::strerror(err) +
          "): give this user access to it and its parent directories");
    }
    if (err == ENOTDIR) {
      return FailedPreconditionError(
          "cannot open folder home " + root +
          ": a parent is not a directory; choose another path");
    }
    return ErrnoStatus(root, err, "opening", root, "stat");
  }
  if (::access(root.c_str(), R_OK | X_OK) != 0) {
    return PermissionDeniedError("cannot read folder home " + root + " (" +
                                 std::strerror(errno) +
                                 "): give this user read access to it");
  }
  // A read-only home still opens; writes will then report the problem.
  // Opening an existing home writes nothing: .tmp/ is made by the first
  // write that needs it.
  if (create) ::mkdir(Join(root, kTmpDir).c_str(), 0777);
  folder_io::RemoveStaleTemps(root, clock.NowMillis() / 1000);
  return std::shared_ptr<FolderHome>(new FolderHome(std::move(root)));
}

Result<std::shared_ptr<FolderHome>> FolderHome::Open(std::string root_dir,
                                                     clock::ClockRef clock) {
  clock::SystemClock system;
  return OpenRoot(std::move(root_dir), /*create=*/false,
                  clock ? *clock : system);
}

Result<std::shared_ptr<FolderHome>> FolderHome::OpenOrCreate(
    std::string root_dir, clock::ClockRef clock) {
  clock::SystemClock system;
  return OpenRoot(std::move(root_dir), /*create=*/true,
                  clock ? *clock : system);
}

Status FolderHome::Create(std::string_view path, ByteView data) {
  COVEN_RETURN_IF_ERROR(CheckPath(root_, "create", path));
  COVEN_ASSIGN_OR_RETURN(std::string tmp,
                         folder_io::WriteTemp(root_, "creating", path, data));
  const std::string final_path = Join(root_, path);
  int rc = ::link(tmp.c_str(), final_path.c_str());
  if (rc != 0 && errno == ENOENT) {
    if (Status made = folder_io::MakeParents(root_, "creating", path);
        !made.ok()) {
      ::unlink(tmp.c_str());
      return made;
    }
    rc = ::link(tmp.c_str(), final_path.c_str());
  }
  int err = rc == 0 ? 0 : errno;
  const char* step = "link";
  if (err == EEXIST) {
    // On NFS a retransmitted link() can report EEXIST although the first
    // attempt succeeded; then the temporary file has a second name.
    struct stat st;
    if (::stat(tmp.c_str(), &st) == 0 && st.st_nlink >= 2) err = 0;
  }
#ifdef RENAME_NOREPLACE
  if (err == EPERM || err == EOPNOTSUPP || err == ENOSYS) {
    // No hard links here (e.g. FAT): a non-replacing rename is also atomic.
    step = "rename without replace";
    rc = ::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, final_path.c_str(),
                     RENAME_NOREPLACE);
    err = rc == 0 ? 0 : errno;
    if (err == EINVAL || err == ENOSYS) {
      ::unlink(tmp.c_str());
      return FailedPreconditionError(
          "create " + std::string(path) + " in folder home " + root_ +
          ": the file system supports neither hard links nor atomic "
          "non-replacing renames, so create-once cannot be guaranteed; put "
          "the home on another file system");
    }
  }
#endif
  ::unlink(tmp.c_str());
  if (err == EEXIST) {
    return AlreadyExistsError("create " + std::string(path) +
                              " in folder home " + root_ +
                              ": an object already exists");
  }
  if (err != 0) return ErrnoStatus(root_, err, "creating", path, step);
  if (int sync_err = folder_io::SyncParentDir(final_path); sync_err != 0) {
    return ErrnoStatus(root_, sync_err, "creating", path, "fsync directory");
  }
  return Status::Ok();
}

Status FolderHome::Replace(std::string_view path, ByteView data) {
  COVEN_RETURN_IF_ERROR(CheckPath(root_, "replace", path));
  COVEN_ASSIGN_OR_RETURN(std::string tmp,
                         folder_io::WriteTemp(root_, "replacing", path, data));
  const std::string final_path = Join(root_, path);
  int rc = ::rename(tmp.c_str(), final_path.c_str());
  if (rc != 0 && errno == ENOENT) {
    if (Status made = folder_io::MakeParents(root_, "replacing", path);
        !made.ok()) {
      ::unlink(tmp.c_str());
      return made;
    }
    rc = ::rename(tmp.c_str(), final_path.c_str());
  }
  if (rc != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return ErrnoStatus(root_, err, "replacing", path, "rename");
  }
  if (int sync_err = folder_io::SyncParentDir(final_path); sync_err != 0) {
    return ErrnoStatus(root_, sync_err, "replacing", path, "fsync directory");
  }
  return Status::Ok();
}

Result<Bytes> FolderHome::Get(std::string_view path, std::uint64_t max_bytes) {
  COVEN_RETURN_IF_ERROR(CheckPath(root_, "get", path));
  struct stat st;
  COVEN_ASSIGN_OR_RETURN(int raw_fd,
                         folder_io::OpenObject(root_, "get", path, &st));
  Fd fd(raw_fd);
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (size > max_bytes) return TooLargeError(Describe(), path, size, max_bytes);
  Bytes out(static_cast<std::size_t>(size));
  const int err = folder_io::ReadAll(fd.get(), 0, out.data(), out.size());
  if (err > 0) return ErrnoStatus(root_, err, "reading", path, "pread");
  if (err < 0) {
    return UnavailableError("get " + std::string(path) + " in folder home " +
                            root_ +
                            ": the file shrank while being read; retry");
  }
  // A file that grew since fstat: what was read is not the whole object.
  std::uint8_t extra = 0;
  const ssize_t more = ::pread(fd.get(), &extra, 1, static_cast<off_t>(size));
  if (more > 0) {
    if (size == max_bytes) {
      return TooLargeError(Describe(), path, std::nullopt, max_bytes);
    }
    return UnavailableError("get " + std::string(path) + " in folder home " +
                            root_ + ": the file grew while being read; retry");
  }
  return out;
}

Result<Bytes> FolderHome::GetRange(std::string_view path, std::uint64_t offset,
                                   std::uint64_t length) {
  COVEN_RETURN_IF_ERROR(CheckPath(root_, "get range of", path));
  struct stat st;
  COVEN_ASSIGN_OR_RETURN(
      int raw_fd, folder_io::OpenObject(root_, "get range of", path, &st));
  Fd fd(raw_fd);
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (offset > size || length > size - offset) {
    return OutOfRangeError(
        "get range of " + std::string(path) + " in folder home " + root_ +
        ": bytes [" + std::to_string(offset) + ", +" + std::to_string(length) +
        ") pass the end of the " + std::to_string(size) + "-byte object");
  }
  Bytes out(static_cast<std::size_t>(length));
  const int err = folder_io::ReadAll(fd.get(), offset, out.data(), length);
  if (err > 0) return ErrnoStatus(root_, err, "reading", path, "pread");
  if (err < 0) {
    return OutOfRangeError("get range of " + std::string(path) +
                           " in folder home " + root_ +
                           ": the object ended before the requested range");
  }
  return out;
}

Result<ListPage> FolderHome::List(std::string_view prefix,
                                  std::string_view start_after,
                                  std::size_t max_keys) {
  if (!prefix.empty() && !IsValidPath(std::string(prefix) + "x")) {
    return InvalidArgumentError("list in folder home " + root_ + ": prefix \"" +
                                std::string(prefix) +
                                "\" cannot start a valid home path");
  }
  if (max_keys == 0) {
    return InvalidArgumentError("list in folder home " + root_ +
                                ": max_keys must be > 0");
  }
  const std::size_t slash = prefix.rfind('/');
  const std::size_t split = slash == std::string_view::npos ? 0 : slash + 1;
  Walk walk{root_, start_after, max_keys, {}, false};
  COVEN_RETURN_IF_ERROR(WalkDir(walk, std::string(prefix.substr(0, split)),
                                prefix.substr(split)));
  return std::move(walk.page);
}

Status FolderHome::Delete(std::string_view path) {
  COVEN_RETURN_IF_ERROR(CheckPath(root_, "delete", path));
  const std::string abs = Join(root_, path);
  if (::unlink(abs.c_str()) != 0) {
    const int err = errno;
    if ((err == ENOENT && !RootMissing(root_)) || err == ENOTDIR ||
        err == EISDIR) {
      return Status::Ok();
    }
    return ErrnoStatus(root_, err, "deleting", path, "unlink");
  }
  return Status::Ok();
}

std::string FolderHome::Describe() const { return "folder home " + root_; }

}  // namespace coven::home
