// Members of a library: people (members) with roles, and their devices.
//
// The member log (docs/format/members.md) is the signed, hash-linked record
// every device replays to learn who may read and write. These are the values
// the public API hands out (SyncManager::get_members and friends).
//
// Thread safety: plain values.
#ifndef COVEN_MEMBERS_H_
#define COVEN_MEMBERS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace coven::members {

/// What a member may do. Ordered: a higher role may do all a lower one may.
enum class MemberRole : std::uint8_t {
  Reader = 1,  ///< Reads everything; writes nothing.
  Writer = 2,  ///< Reads and writes rows; manages its own devices.
  Admin = 3,   ///< Also adds, removes and re-roles Writers, Readers, Admins.
  Owner = 4,   ///< Everything; only Owners add, demote or remove Owners.
};

/// "reader", "writer", "admin", "owner".
std::string_view RoleName(MemberRole role);
/// Parses a role name (case-insensitive). nullopt if unknown.
std::optional<MemberRole> ParseRole(std::string_view name);

/// One device of a member.
struct DeviceInfo {
  std::string device_id;   ///< 16 hex digits (as in object paths).
  std::string public_key;  ///< Ed25519, 64 hex digits.
  bool active = true;      ///< False once removed.
  /// Member-log position of the addition: 1 for the device that founded
  /// the library (it wrote the genesis entry).
  std::uint64_t added_at = 0;
};

/// One member, as the member log says now.
struct MemberInfo {
  std::string member_id;   ///< 16 hex digits derived from the signing key.
  std::string public_key;  ///< Identity: Ed25519 || X25519, 128 hex digits.
  MemberRole role = MemberRole::Reader;
  bool active = true;          ///< False once removed.
  std::uint64_t added_at = 0;  ///< Member-log position of the addition.
  std::vector<DeviceInfo> devices;
};

}  // namespace coven::members

namespace coven::sync::membership {
/// The reference API's name for the role type (coven::members::MemberRole).
using coven::members::MemberRole;
}  // namespace coven::sync::membership

#endif  // COVEN_MEMBERS_H_
