// Object paths as the hub sees them (docs/format/home-layout.md): which
// family a path belongs to and the numbers in it. Anything else is refused.
#ifndef COVEN_HUB_WIRE_PATHS_H_
#define COVEN_HUB_WIRE_PATHS_H_

#include <cstdint>
#include <string_view>

namespace coven::hub::wire {

enum class PathKind {
  kInvalid,
  kMarker,   ///< coven-library.json
  kMember,   ///< members/<slot hex16>
  kKeyWrap,  ///< keys/<key id hex32>/<recipient hex16>
  kHead,     ///< heads/<device hex16>
  kLog,      ///< log/<device hex16>/<seq hex16>
};

struct ParsedPath {
  PathKind kind = PathKind::kInvalid;
  std::uint64_t device = 0;  ///< kHead, kLog
  std::uint64_t number = 0;  ///< kMember: slot; kLog: seq (both >= 1)
};

/// Parses `path`; kind kInvalid for anything the layout does not name
/// (upper-case hex, wrong widths, zero slots or seqs, extra parts).
ParsedPath ParsePath(std::string_view path);

}  // namespace coven::hub::wire

#endif  // COVEN_HUB_WIRE_PATHS_H_
