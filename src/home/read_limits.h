// How much coven reads of each kind of object and listing in a home
// (docs/format/folder-home.md, "Read limits"). A home may hold files coven
// never wrote, of any size and number; every read and listing names a limit
// from here (log objects: EngineOptions::max_object_bytes; member-log
// entries: members::kMaxEntryBytes), so a planted file costs a refusal, not
// the memory of a whole device.
#ifndef COVEN_SRC_HOME_READ_LIMITS_H_
#define COVEN_SRC_HOME_READ_LIMITS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace coven::home {

/// A head (heads/<device>): a sealed object with an empty payload, 530
/// bytes.
inline constexpr std::uint64_t kMaxHeadBytes = 4096;
/// A key wrap (keys/<key id>/<member id>): a library key sealed to one
/// member and signed, 245 bytes.
inline constexpr std::uint64_t kMaxKeyWrapBytes = 4096;
/// The home marker coven-library.json: one line of JSON, 71 bytes.
inline constexpr std::uint64_t kMaxHomeMarkerBytes = 4096;
/// Heads one round lists: one per device that ever synced. More is refused
/// (kResourceExhausted) rather than read.
inline constexpr std::size_t kMaxHeads = 10'000;
/// Member-log entries one refresh lists and reads; the next refresh goes on
/// from there.
inline constexpr std::size_t kMaxMemberSlotsPerRefresh = 10'000;

/// What to say about a file a listing shows over its limit: "<path> is N
/// bytes, over the limit of M for <what>; it is not a file coven wrote:
/// remove it from <home>".
inline std::string OverLimitNote(std::string_view path, std::uint64_t size,
                                 std::uint64_t limit, std::string_view what,
                                 std::string_view home) {
  return std::string(path) + " is " + std::to_string(size) +
         " bytes, over the limit of " + std::to_string(limit) + " for " +
         std::string(what) + "; it is not a file coven wrote: remove it from " +
         std::string(home);
}

}  // namespace coven::home

#endif  // COVEN_SRC_HOME_READ_LIMITS_H_
