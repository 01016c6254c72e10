#include "home/home_layout.h"

#include "coven/hlc.h"

namespace coven::home::layout {

std::string MemberSlotPath(std::uint64_t slot) {
  return std::string(kMembersPrefix) + DeviceIdToHex(slot);
}

std::string HeadPath(std::uint64_t device) {
  return std::string(kHeadsPrefix) + DeviceIdToHex(device);
}

std::string LogPrefix(std::uint64_t device) {
  return std::string(kLogPrefix) + DeviceIdToHex(device) + "/";
}

std::string LogPath(std::uint64_t device, std::uint64_t seq) {
  return LogPrefix(device) + DeviceIdToHex(seq);
}

std::string KeyWrapPrefix(std::string_view key_id_hex) {
  return std::string(kKeysPrefix) + std::string(key_id_hex) + "/";
}

std::string KeyWrapPath(std::string_view key_id_hex,
                        std::string_view recipient_hex) {
  return KeyWrapPrefix(key_id_hex) + std::string(recipient_hex);
}

std::optional<std::uint64_t> ParseHeadPath(std::string_view path) {
  if (!path.starts_with(kHeadsPrefix)) return std::nullopt;
  return DeviceIdFromHex(path.substr(kHeadsPrefix.size()));
}

std::optional<std::uint64_t> ParseLogSeq(std::uint64_t device,
                                         std::string_view path) {
  const std::string prefix = LogPrefix(device);
  if (!path.starts_with(prefix)) return std::nullopt;
  return DeviceIdFromHex(path.substr(prefix.size()));
}

ItemKind KindOfPath(std::string_view path) {
  return path.starts_with(kLogPrefix) ? ItemKind::kLogObject : ItemKind::kOther;
}

}  // namespace coven::home::layout
