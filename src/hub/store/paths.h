// How the hub's store names what it holds, as a home would: the paths
// ListPaths returns and GetObject accepts (docs/format/hub-store.md), and
// the bounds a listing turns into for each kind of row.
#ifndef COVEN_HUB_STORE_PATHS_H_
#define COVEN_HUB_STORE_PATHS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "coven/status.h"
#include "hub/store/store.h"

namespace coven::hub::store {

/// The marker's path.
inline constexpr std::string_view kMarkerPath = "coven-library.json";

/// Seqs, log_seqs and member slots must be below this (both stores keep
/// them in signed 64-bit columns).
inline constexpr std::uint64_t kMaxSeq = 1ull << 63;

/// An author as both stores keep it in a signed 64-bit column: the u64
/// with its top bit flipped, so that signed order is unsigned order
/// (ListHeads and ListPaths read authors in column order).
inline std::int64_t AuthorColumn(std::uint64_t author) {
  return static_cast<std::int64_t>(author ^ (1ull << 63));
}
inline std::uint64_t AuthorFromColumn(std::int64_t column) {
  return static_cast<std::uint64_t>(column) ^ (1ull << 63);
}

/// 16 lowercase hex digits.
std::string Hex16(std::uint64_t value);
/// Parses exactly 16 lowercase hex digits.
std::optional<std::uint64_t> ParseHex16(std::string_view text);

/// "heads/<author>", "log/<author>/<seq>", "members/<slot>".
std::string HeadPath(std::uint64_t author);
std::string LogPath(std::uint64_t author, std::uint64_t seq);
std::string MemberPath(std::uint64_t slot);

/// GetLogPiece's errors, the same on both stores: kNotFound for a log object
/// not stored; kOutOfRange for an offset past the end of one of `size`.
Status NoLogObject(std::string_view space, std::string_view path);
Status OffsetPastTheEnd(std::string_view path, std::uint64_t size,
                        std::uint64_t offset);

/// What a path names.
struct ParsedPath {
  enum class Kind { kMarker, kHead, kLog, kMember, kObject, kInvalid };
  Kind kind = Kind::kInvalid;
  std::uint64_t author = 0;  ///< kHead, kLog.
  std::uint64_t seq = 0;     ///< kLog: the seq; kMember: the slot.
};
/// Classifies `path`. A path under heads/, log/ or members/ that is not
/// spelled exactly as the store names it is kInvalid; any other non-empty
/// path is kObject.
ParsedPath ParsePath(std::string_view path);

/// kInvalidArgument unless `path` may be written with PutObject (not the
/// marker, a head, a log object or a member entry; non-empty; no NUL).
Status CheckObjectPath(std::string_view path);

/// The smallest value whose Hex16 is >= `text` in byte order; nullopt when
/// every value's Hex16 is below it.
std::optional<std::uint64_t> Hex16LowerBound(std::string_view text);

/// One listing (ListPaths): which paths qualify, and where each kind's
/// rows start. Paths of every kind sort in byte order because each kind has
/// a fixed prefix and fixed-width lowercase hex numbers.
class Listing {
 public:
  Listing(std::string_view prefix, std::string_view start_after,
          std::uint32_t limit)
      : prefix_(prefix), start_after_(start_after), limit_(limit) {}

  /// True when `path` is in the listing (after start_after, under prefix).
  bool Wants(std::string_view path) const;
  /// True when no path at or after `path` can be in the listing.
  bool PastEnd(std::string_view path) const;
  /// False when no path under `kind_prefix` ("log/") can qualify.
  bool Overlaps(std::string_view kind_prefix) const;
  /// The lower bound of the listing (max of prefix and start_after): every
  /// wanted path is >= it.
  std::string_view Lower() const;
  /// For a kind "<kind_prefix><16 hex>": the first key to read; nullopt when
  /// none can qualify.
  std::optional<std::uint64_t> FirstKey(std::string_view kind_prefix) const;
  /// For log/: the first (author, seq) to read; nullopt when none.
  std::optional<std::pair<std::uint64_t, std::uint64_t>> FirstLogKey() const;

  /// Offers the rows of one kind, in byte order; returns false once the
  /// caller may stop reading that kind.
  bool Add(std::vector<PathInfo>* kind_rows, PathInfo info) const;
  /// Merges the kinds' lists (each sorted) and keeps at most limit.
  std::vector<PathInfo> Merge(std::vector<std::vector<PathInfo>> kinds) const;

  std::uint32_t limit() const { return limit_; }

 private:
  std::string prefix_;
  std::string start_after_;
  std::uint32_t limit_;
};

}  // namespace coven::hub::store

#endif  // COVEN_HUB_STORE_PATHS_H_
