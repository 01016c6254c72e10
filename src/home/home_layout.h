// Where everything lives inside a home: the one place that builds and parses
// home paths (docs/format/home-layout.md). Every name is ASCII, relative, and
// sorts so that a listing in path order is a listing in seq order.
//
//   coven-library.json                the home marker
//   members/<slot hex16>              member-log entries
//   keys/<key id hex32>/<recipient hex16>   library-key wraps
//   heads/<device hex16>              each device's head
//   log/<device hex16>/<seq hex16>    each device's log objects
//
// Thread safety: pure functions.
#ifndef COVEN_HOME_HOME_LAYOUT_H_
#define COVEN_HOME_HOME_LAYOUT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace coven::home::layout {

/// The home marker, at the root (docs/format/folder-home.md).
inline constexpr std::string_view kMarker = "coven-library.json";
/// Prefixes of the four families of objects.
inline constexpr std::string_view kMembersPrefix = "members/";
inline constexpr std::string_view kKeysPrefix = "keys/";
inline constexpr std::string_view kHeadsPrefix = "heads/";
inline constexpr std::string_view kLogPrefix = "log/";

/// "members/<slot as 16 hex digits>".
std::string MemberSlotPath(std::uint64_t slot);
/// "heads/<device as 16 hex digits>".
std::string HeadPath(std::uint64_t device);
/// "log/<device as 16 hex digits>/": the prefix of one device's log.
std::string LogPrefix(std::uint64_t device);
/// "log/<device as 16 hex digits>/<seq as 16 hex digits>".
std::string LogPath(std::uint64_t device, std::uint64_t seq);
/// "keys/<key id hex>/": the prefix of one key's wraps.
std::string KeyWrapPrefix(std::string_view key_id_hex);
/// "keys/<key id hex>/<recipient hex>".
std::string KeyWrapPath(std::string_view key_id_hex,
                        std::string_view recipient_hex);

/// The device a head path names; nullopt for anything else under heads/
/// (or outside it).
std::optional<std::uint64_t> ParseHeadPath(std::string_view path);
/// The seq of a path under LogPrefix(device); nullopt for anything else.
std::optional<std::uint64_t> ParseLogSeq(std::uint64_t device,
                                         std::string_view path);

/// What an item of this device's outbox is, by its path.
enum class ItemKind { kLogObject, kOther };
ItemKind KindOfPath(std::string_view path);

}  // namespace coven::home::layout

#endif  // COVEN_HOME_HOME_LAYOUT_H_
