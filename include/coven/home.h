// Home: the storage a library syncs through (a folder, memory, later S3,
// WebDAV, rclone remotes and the hub).
//
// A home stores opaque, sealed objects under slash-separated paths such as
// "log/<device>/<seq>". It never sees plaintext. Every path has exactly one
// writer device, so the only operation that must be atomic against a
// concurrent writer is Create (create-once). Only "heads/<device>" objects
// are ever replaced.
//
// Thread safety: implementations must allow concurrent calls from several
// threads (and several processes for shared homes such as folders).
#ifndef COVEN_HOME_H_
#define COVEN_HOME_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "coven/bytes.h"
#include "coven/status.h"

namespace coven::home {

/// One entry of a listing.
struct ObjectInfo {
  std::string path;        ///< Full path relative to the home root.
  std::uint64_t size = 0;  ///< Stored size in bytes.
};

/// One page of a listing, in ascending byte order of path.
struct ListPage {
  std::vector<ObjectInfo> objects;
  /// True when more objects follow; pass the last path as `start_after`.
  bool truncated = false;
};

/// How a home keeps Create() create-once.
enum class CreateSupport {
  /// Atomic against a concurrent creator of the same path (a folder's
  /// link(2), S3's `If-None-Match: *`): exactly one racing creator wins.
  kNative,
  /// Checked, then written: a second Create of an occupied path still gets
  /// kAlreadyExists, but two creators racing on one path may both succeed
  /// (last writer wins). Safe for coven because every path has one writer
  /// device; the engine must not rely on Create to elect a winner.
  kEmulated,
};

/// What a home can do natively. The sync engine and the tests branch on these
/// flags, never on the kind of home. Defaults describe a home that does
/// everything natively (memory, folder).
struct Capabilities {
  /// How Create() keeps create-once (see CreateSupport).
  CreateSupport conditional_create = CreateSupport::kNative;
  /// Replace() is atomic for readers: they see the old or the new bytes,
  /// never a torn mix. When false, readers may see a partial object and must
  /// verify it (sealed objects are authenticated, so a torn read fails
  /// verification and is retried).
  bool atomic_replace = true;
  /// GetRange() transfers only the requested bytes (otherwise the home reads
  /// more and slices locally; the result is the same).
  bool range_reads = true;
  /// List() order comes from the server (false: the home fetches the
  /// prefix's whole listing and sorts it locally; the result is the same but
  /// each call costs a full walk).
  bool server_sorted_list = true;
  /// List() honours start_after and max_keys server-side.
  bool server_paged_list = true;
  /// The store needs parent folders made before an object is written (the
  /// home does that itself; callers need do nothing).
  bool needs_parent_dirs = false;
  /// Objects larger than this are uploaded in parts (0: never).
  std::uint64_t multipart_threshold = 0;
  /// How many reads the engine may have in flight at once (through
  /// remote::OverHome). 1 for a local home, where a read costs no round
  /// trip; more for a network home, where each read waits on one.
  std::size_t parallel_reads = 1;

  /// True if Create elects exactly one winner among racing creators.
  bool atomic_create() const {
    return conditional_create == CreateSupport::kNative;
  }
};

/// Abstract object store. All paths are relative, '/'-separated, made of
/// [a-z0-9._-] segments; implementations reject anything else with
/// kInvalidArgument.
class Home {
 public:
  virtual ~Home() = default;

  /// Stores `data` at `path` if nothing is there yet.
  /// Returns OK on success; kAlreadyExists if the path is occupied (whatever
  /// its content: the caller decides whether an identical object counts as
  /// its own earlier attempt); kUnavailable on a transient failure, after
  /// which the object may or may not exist. A network home that retries
  /// internally and finds the path occupied by exactly `data` on a retry
  /// returns OK: that is its own earlier attempt whose reply was lost.
  virtual Status Create(std::string_view path, ByteView data) = 0;

  /// Stores `data` at `path`, replacing any previous object atomically
  /// (readers see the old or the new bytes, never a mix). Used for heads only.
  virtual Status Replace(std::string_view path, ByteView data) = 0;

  /// Reads the whole object if it holds at most `max_bytes` bytes, and
  /// returns its bytes. Every read names its limit: a home may hold files
  /// coven never wrote, of any size. kNotFound if absent; kResourceExhausted
  /// (TooLargeError) if the object is larger than `max_bytes`, found without
  /// buffering more than `max_bytes` of it (a folder checks the file size
  /// first; a network home checks the Content-Length, then stops the
  /// transfer once the body passes the limit). No other failure of Get is
  /// kResourceExhausted.
  virtual Result<Bytes> Get(std::string_view path, std::uint64_t max_bytes) = 0;

  /// Reads `length` bytes from `offset`. kNotFound if absent; kOutOfRange if
  /// the range extends past the end of the object.
  virtual Result<Bytes> GetRange(std::string_view path, std::uint64_t offset,
                                 std::uint64_t length) = 0;

  /// Lists objects whose path starts with `prefix` and sorts after
  /// `start_after` (empty: from the start), at most `max_keys` of them.
  virtual Result<ListPage> List(std::string_view prefix,
                                std::string_view start_after,
                                std::size_t max_keys) = 0;

  /// Removes the object. Removing an absent object succeeds.
  virtual Status Delete(std::string_view path) = 0;

  /// Native capabilities of this home.
  virtual Capabilities capabilities() const = 0;

  /// A short description for error messages, e.g. "folder home /data/x".
  /// Never contains credentials.
  virtual std::string Describe() const = 0;
};

using HomeRef = std::shared_ptr<Home>;

/// Lists the objects under `prefix` after `start_after` by following pages,
/// at most `max_entries` of them: the result's `truncated` says more follow
/// (continue after its last path). Holds at most `max_entries` entries (plus
/// one page) in memory. Errors: the home's List errors, and kUnavailable for
/// a truncated page that does not advance.
Result<ListPage> ListUpTo(Home& home, std::string_view prefix,
                          std::string_view start_after,
                          std::size_t max_entries);

/// Lists every object under `prefix` after `start_after` by following
/// pages. kResourceExhausted if there are more than `max_entries` (saying
/// how many are allowed, and that the extra files are not coven's); other
/// errors as for ListUpTo.
Result<std::vector<ObjectInfo>> ListAll(Home& home, std::string_view prefix,
                                        std::size_t max_entries,
                                        std::string_view start_after = {});

/// The error of a Get over its limit: kResourceExhausted, "<path> in <home>
/// is N bytes, over the limit of M for this read" (without N when the size
/// is not known).
Status TooLargeError(std::string_view home, std::string_view path,
                     std::optional<std::uint64_t> size,
                     std::uint64_t max_bytes);

/// True if `path` is a valid home path (see Home).
bool IsValidPath(std::string_view path);

}  // namespace coven::home

#endif  // COVEN_HOME_H_
