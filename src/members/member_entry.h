// One member-log entry: its fields, its wire form and its signature
// (docs/format/members.md). Parsing checks structure only; whether an entry
// is allowed is MemberState's business.
//
// Thread safety: plain values and pure functions.
#ifndef COVEN_MEMBERS_MEMBER_ENTRY_H_
#define COVEN_MEMBERS_MEMBER_ENTRY_H_

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "coven/bytes.h"
#include "coven/members.h"
#include "coven/status.h"
#include "crypto/crypto.h"

namespace coven::members {

enum class EntryType : std::uint8_t {
  kGenesis = 1,       ///< Creates the library; its author is the first Owner.
  kAddMember = 2,     ///< Adds a member with a role and a first device.
  kRemoveMember = 3,  ///< Removes a member and rotates the library key.
  kChangeRole = 4,    ///< Gives a member another role.
  kAddDevice = 5,     ///< Adds a device to a member.
  kRemoveDevice = 6,  ///< Removes one device of a member.
  kRotateKey = 7,     ///< Starts using a new library key.
  /// Lets the log go on past a slot that does not verify (an Admin's or
  /// Owner's decision, taken after checking it): names that slot and the
  /// hash of its bytes.
  kSkipSlot = 8,
};

/// "genesis", "add-member", ... ("unknown" for other values).
std::string_view EntryTypeName(EntryType type);

/// Size limits, checked before any other work.
inline constexpr std::size_t kMaxEntryBytes = 4096;
inline constexpr std::size_t kEntryFixedBytes = 106;  ///< Before the body.
inline constexpr std::size_t kEntrySignatureBytes = 64;
inline constexpr std::size_t kCutBytes = 32 + 8 + 32;
/// The most cuts one entry can carry within kMaxEntryBytes.
inline constexpr std::size_t kMaxCuts =
    (kMaxEntryBytes - kEntryFixedBytes - kEntrySignatureBytes - 33 - 2) /
    kCutBytes;

/// Where a device's accepted writes end: the last object of `device` that
/// the remover had applied (seq 0 and a zero hash: none). Carried by the
/// entries that take a device's right to write away (remove-member,
/// change-role to Reader, remove-device); docs/format/members.md §5.
struct Cut {
  crypto::PublicKey device{};
  std::uint64_t seq = 0;
  crypto::Hash256 hash{};  ///< ObjectHash of object `seq`; zero: unknown.

  bool operator==(const Cut&) const = default;
};

/// True for the entry types that carry cuts.
bool CarriesCuts(EntryType type);

struct MemberEntry {
  EntryType type = EntryType::kGenesis;
  std::array<std::uint8_t, 16> library_id{};
  std::uint64_t seq = 0;        ///< 1-based position in the log.
  crypto::Hash256 prev_hash{};  ///< EntryHash of entry seq-1; zero for seq 1.
  std::uint64_t time_ms = 0;    ///< Author's clock; informational only.
  crypto::PublicKey signer{};   ///< A device key or a member signing key.
  // Body fields; which are present depends on `type` (see members.md).
  crypto::PublicKey member_sign{};
  crypto::PublicKey member_box{};
  MemberRole role = MemberRole::Reader;
  crypto::PublicKey device{};
  crypto::KeyId key_id{};
  /// skip-slot: the slot it skips and the EntryHash of the bytes there.
  std::uint64_t skipped_seq = 0;
  crypto::Hash256 skipped_hash{};
  /// remove-member, change-role and remove-device: one cut per device whose
  /// right to write the entry ends (empty for other types).
  std::vector<Cut> cuts;
  crypto::Signature signature{};
};

/// The wire form of `entry` signed by `signer` (whose public key must equal
/// entry.signer: kInvalidArgument otherwise).
Result<Bytes> EncodeEntry(const MemberEntry& entry,
                          const crypto::SigningKeyPair& signer);

/// Parses and checks the signature of one entry. Errors (kInvalidArgument or
/// kUnauthenticated) say what is wrong: oversize, bad magic, unknown
/// version or type, a body of the wrong size for its type, an invalid role,
/// too many or repeated cuts, trailing bytes, a signature that does not
/// verify.
Result<MemberEntry> ParseEntry(ByteView bytes);

/// H("coven/member-link/v1", bytes): what the next entry's prev_hash names.
crypto::Hash256 EntryHash(ByteView bytes);

}  // namespace coven::members

#endif  // COVEN_MEMBERS_MEMBER_ENTRY_H_
