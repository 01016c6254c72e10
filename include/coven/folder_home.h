// FolderHome: a home in a local directory (the default home).
//
// Object "a/b/c" is the file <root>/a/b/c. The directory may be on a local
// disk, a removable drive, a network share or a folder that a file-sync
// program (Dropbox, Syncthing, ...) copies elsewhere; several processes and
// machines may use it at once. Create is create-once across processes: the
// bytes go to a unique temporary file in <root>/.tmp/, are fsynced, then
// hard-linked to the final name, which fails if the name exists. Replace
// writes a temporary file and rename(2)s it over the old one, so readers see
// the old or the new bytes, never a mix. After a successful Create or
// Replace the object survives a power cut. docs/format/folder-home.md
// describes the layout and the mechanism in detail.
//
// Errors name the home root and the object path and say what to do: a full
// disk is kResourceExhausted, missing rights kPermissionDenied, an I/O error
// kUnavailable (all three may succeed later), anything else kInternal.
//
// Thread safety: every member function may be called concurrently, from
// several threads and several processes.
#ifndef COVEN_FOLDER_HOME_H_
#define COVEN_FOLDER_HOME_H_

#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "coven/bytes.h"
#include "coven/clock.h"
#include "coven/home.h"
#include "coven/status.h"

namespace coven::home {

/// A Home stored in a local directory. Create it with FolderHome::Open().
class FolderHome final : public Home {
 public:
  /// Opens the home rooted at `root_dir`, which is never created: a home is
  /// made once, for a new library (OpenOrCreate), and a directory that is
  /// missing afterwards is a drive or share that is not mounted, or a path
  /// that is wrong. Opening a missing directory succeeds, and every call then
  /// returns kUnavailable until it appears (writes never create it). A
  /// relative path is made absolute against the current directory. Returns
  /// kFailedPrecondition if `root_dir` exists but is not a directory (or a
  /// parent is not one), kPermissionDenied if it cannot be read,
  /// kInvalidArgument if it is empty. A directory that exists but is not
  /// writable opens fine (it can still be read); writes then fail with
  /// kPermissionDenied. Opening writes nothing in the directory, except
  /// that it removes temporary files a crashed writer left in ".tmp/" more
  /// than a day before `clock`'s now (null: clock::SystemClock).
  static Result<std::shared_ptr<FolderHome>> Open(
      std::string root_dir, clock::ClockRef clock = nullptr);

  /// Like Open, but creates the directory (and its parents) if missing, and
  /// its ".tmp/". For the device that starts a new home (coven init); also
  /// kPermissionDenied if the directory cannot be created.
  static Result<std::shared_ptr<FolderHome>> OpenOrCreate(
      std::string root_dir, clock::ClockRef clock = nullptr);

  FolderHome(const FolderHome&) = delete;
  FolderHome& operator=(const FolderHome&) = delete;

  /// See Home::Create. Atomic create-once across processes; durable once OK
  /// is returned. kAlreadyExists if the path is occupied; kInvalidArgument
  /// for an invalid path or one under the reserved ".tmp/".
  Status Create(std::string_view path, ByteView data) override;
  /// See Home::Replace. Atomic (rename) and durable once OK is returned.
  Status Replace(std::string_view path, ByteView data) override;
  /// See Home::Get. kNotFound if absent; kResourceExhausted if fstat(2)
  /// shows more than `max_bytes` (then nothing is read), or if the file grew
  /// past it while being read.
  Result<Bytes> Get(std::string_view path, std::uint64_t max_bytes) override;
  /// See Home::GetRange. Reads only the requested bytes. kNotFound if absent,
  /// kOutOfRange if the range passes the end of the object.
  Result<Bytes> GetRange(std::string_view path, std::uint64_t offset,
                         std::uint64_t length) override;
  /// See Home::List. Walks the directory tree below the prefix in byte order,
  /// ignoring ".tmp" and every file or directory whose name is not a valid
  /// path segment (e.g. ".DS_Store", "x (conflicted copy)"). At most
  /// `max_keys` objects per page (kInvalidArgument if 0).
  Result<ListPage> List(std::string_view prefix, std::string_view start_after,
                        std::size_t max_keys) override;
  /// See Home::Delete. Deleting an absent object returns OK. Empty parent
  /// directories are left in place.
  Status Delete(std::string_view path) override;
  /// All capabilities are native.
  Capabilities capabilities() const override { return Capabilities{}; }
  /// Returns "folder home <root>".
  std::string Describe() const override;

  /// The absolute root directory.
  const std::string& root() const { return root_; }

 private:
  explicit FolderHome(std::string root) : root_(std::move(root)) {}
  static Result<std::shared_ptr<FolderHome>> OpenRoot(std::string root_dir,
                                                      bool create,
                                                      clock::Clock& clock);

  const std::string root_;
};

}  // namespace coven::home

#endif  // COVEN_FOLDER_HOME_H_
