// The marker that makes a home a library's home, and the guard that checks
// it before a device uses the home (docs/format/folder-home.md, "The home
// marker"; docs/decisions.md, "A home is created once, by init").
//
// A home is made once, when a library starts (coven init): the first device
// writes `coven-library.json`, naming the library id, at the home's root.
// Afterwards a home that is missing, empty, without that marker or marked
// for another library is unavailable: nothing is read from it or written to
// it, so a drive or share that is not mounted is reported instead of being
// recreated at its mount point.
//
// Thread safety: the functions are thread-safe; HomeGuard may be used from
// several threads at once (as every Home).
#ifndef COVEN_SRC_SYNC_HOME_MARKER_H_
#define COVEN_SRC_SYNC_HOME_MARKER_H_

#include <sys/stat.h>

#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "coven/bytes.h"
#include "coven/home.h"
#include "coven/status.h"
#include "home/home_layout.h"

namespace coven::sync {

/// Where the marker lives, relative to the home's root.
inline constexpr std::string_view kHomeMarkerPath = home::layout::kMarker;

/// The marker's bytes for `library_id` (32 hex digits). Deterministic, so
/// that two devices writing it at once write the same bytes.
Bytes HomeMarkerBytes(std::string_view library_id);

/// What a home holds, as far as the marker is concerned.
struct HomeInspection {
  enum class Kind {
    kOurs,           ///< Marker names this library.
    kOtherLibrary,   ///< Marker names `other_library`.
    kDamagedMarker,  ///< Marker unreadable (`detail`).
    kMissing,        ///< A folder home whose directory does not exist.
    kEmpty,          ///< No marker and nothing else either.
    kForeign,        ///< No marker and no library data, but other files.
    kUnmarkedOurs,   ///< No marker; the member log is this library's.
    kUnmarkedOther,  ///< No marker; library data of `other_library` (or
                     ///< unreadable: `detail`).
  };
  Kind kind = Kind::kEmpty;
  std::string other_library;
  std::string detail;
};

/// Looks at `home`: one request (the marker) when it is there; without it,
/// a few more (listings of members/, log/, heads/ and the root, and one
/// member entry). Errors: the home's own errors (unreachable, permission
/// denied...).
Result<HomeInspection> InspectHome(home::Home& home,
                                   std::string_view library_id);

/// Reading only: OK if `home` may become the home of the new library
/// `library_id` (missing, empty, holding no library, or already its home);
/// kFailedPrecondition, saying why, if it holds another library.
Status CheckNewHome(home::Home& home, std::string_view library_id);

/// For the device that starts library `library_id`: writes the marker into
/// `home` unless it already names this library. Refuses (kFailedPrecondition)
/// a home that holds another library (marked or not), and a missing folder.
Status MarkNewHome(home::Home& home, std::string_view library_id);

/// For a device that joins or restores library `library_id`: the home must
/// be this library's. A home that holds this library's member log but no
/// marker (made before markers existed) gets its marker. Anything else is
/// refused with kUnavailable and a message saying what is wrong.
Status CheckJoinedHome(home::Home& home, std::string_view library_id);

/// Wraps a library's home: every call first checks that the home is there
/// and is this library's (see the file comment); a failed check fails the
/// call with kUnavailable and a message saying what is missing and what to
/// do. A network home is checked once (one request, on first use); a folder
/// home is checked on every call, by a stat(2) of the marker compared with
/// the one that was verified (a drive can be unmounted at any time).
class HomeGuard final : public home::Home {
 public:
  struct Options {
    std::string library_id;  ///< 32 hex digits.
    /// This device found the marker before (recorded in its database): a
    /// home without a marker is then refused even if it holds this
    /// library's data. When false, such a home (made by an older coven)
    /// gets its marker.
    bool seen_before = false;
  };

  static std::shared_ptr<HomeGuard> Wrap(home::HomeRef inner, Options options);

  /// Checks the home now (the first time, or for a folder home whose marker
  /// may have changed); OK when it is this library's home.
  Status Check();

  /// True once, after the first successful check of a guard that was opened
  /// with seen_before = false: the caller records that in its database.
  bool TakeFirstSeen();

  Status Create(std::string_view path, ByteView data) override;
  Status Replace(std::string_view path, ByteView data) override;
  Result<Bytes> Get(std::string_view path, std::uint64_t max_bytes) override;
  Result<Bytes> GetRange(std::string_view path, std::uint64_t offset,
                         std::uint64_t length) override;
  Result<home::ListPage> List(std::string_view prefix,
                              std::string_view start_after,
                              std::size_t max_keys) override;
  Status Delete(std::string_view path) override;
  home::Capabilities capabilities() const override {
    return inner_->capabilities();
  }
  std::string Describe() const override { return inner_->Describe(); }

 private:
  HomeGuard(home::HomeRef inner, Options options);
  // The marker's stat for a folder home; false if it cannot be stat'ed.
  bool StatMarker(struct stat* st) const;
  Status Verify();  // Under mutex_.

  const home::HomeRef inner_;
  const Options options_;
  const std::string folder_root_;  // Empty unless a folder home.
  std::mutex mutex_;
  bool verified_ = false;
  bool seen_;                 // The marker was found (now or before).
  bool report_seen_ = false;  // For TakeFirstSeen.
  struct stat marker_stat_ {};
};

}  // namespace coven::sync

#endif  // COVEN_SRC_SYNC_HOME_MARKER_H_
