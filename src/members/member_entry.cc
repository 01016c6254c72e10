#include "members/member_entry.h"

#include <cstring>

#include "object/wire.h"

namespace coven::members {

namespace wire = object::wire;

namespace {

constexpr std::uint8_t kMagic[4] = {'C', 'V', 'M', 'L'};
constexpr std::uint8_t kVersion = 2;
constexpr std::string_view kSignLabel = "coven/member-entry/v1";

// Body size per type before its cuts; 0 for unknown types.
std::size_t FixedBodySize(EntryType type) {
  switch (type) {
    case EntryType::kGenesis:
      return 32 + 32 + 32 + 16;
    case EntryType::kAddMember:
      return 32 + 32 + 1 + 32;
    case EntryType::kRemoveMember:
      return 32 + 16;
    case EntryType::kChangeRole:
      return 32 + 1;
    case EntryType::kAddDevice:
      return 32 + 32;
    case EntryType::kRemoveDevice:
      return 32 + 32 + 16;
    case EntryType::kRotateKey:
      return 16;
    case EntryType::kSkipSlot:
      return 8 + 32;
  }
  return 0;
}

bool ValidRole(std::uint8_t role) { return role >= 1 && role <= 4; }

std::size_t BodySize(const MemberEntry& e) {
  const std::size_t fixed = FixedBodySize(e.type);
  if (fixed == 0 || !CarriesCuts(e.type)) return fixed;
  return fixed + 2 + e.cuts.size() * kCutBytes;
}

void EncodeCuts(const MemberEntry& e, Bytes& out) {
  if (!CarriesCuts(e.type)) return;
  wire::PutU16(out, static_cast<std::uint16_t>(e.cuts.size()));
  for (const Cut& cut : e.cuts) {
    wire::PutBytes(out, cut.device);
    wire::PutU64(out, cut.seq);
    wire::PutBytes(out, cut.hash);
  }
}

void EncodeBody(const MemberEntry& e, Bytes& out) {
  switch (e.type) {
    case EntryType::kGenesis:
      wire::PutBytes(out, e.member_sign);
      wire::PutBytes(out, e.member_box);
      wire::PutBytes(out, e.device);
      wire::PutBytes(out, e.key_id);
      break;
    case EntryType::kAddMember:
      wire::PutBytes(out, e.member_sign);
      wire::PutBytes(out, e.member_box);
      wire::PutU8(out, static_cast<std::uint8_t>(e.role));
      wire::PutBytes(out, e.device);
      break;
    case EntryType::kRemoveMember:
      wire::PutBytes(out, e.member_sign);
      wire::PutBytes(out, e.key_id);
      break;
    case EntryType::kChangeRole:
      wire::PutBytes(out, e.member_sign);
      wire::PutU8(out, static_cast<std::uint8_t>(e.role));
      break;
    case EntryType::kAddDevice:
      wire::PutBytes(out, e.member_sign);
      wire::PutBytes(out, e.device);
      break;
    case EntryType::kRemoveDevice:
      wire::PutBytes(out, e.member_sign);
      wire::PutBytes(out, e.device);
      wire::PutBytes(out, e.key_id);
      break;
    case EntryType::kRotateKey:
      wire::PutBytes(out, e.key_id);
      break;
    case EntryType::kSkipSlot:
      wire::PutU64(out, e.skipped_seq);
      wire::PutBytes(out, e.skipped_hash);
      break;
  }
  EncodeCuts(e, out);
}

Status Bad(const std::string& what) {
  return InvalidArgumentError("malformed member-log entry: " + what);
}

}  // namespace

bool CarriesCuts(EntryType type) {
  return type == EntryType::kRemoveMember || type == EntryType::kChangeRole ||
         type == EntryType::kRemoveDevice;
}

std::string_view EntryTypeName(EntryType type) {
  switch (type) {
    case EntryType::kGenesis:
      return "genesis";
    case EntryType::kAddMember:
      return "add-member";
    case EntryType::kRemoveMember:
      return "remove-member";
    case EntryType::kChangeRole:
      return "change-role";
    case EntryType::kAddDevice:
      return "add-device";
    case EntryType::kRemoveDevice:
      return "remove-device";
    case EntryType::kRotateKey:
      return "rotate-key";
    case EntryType::kSkipSlot:
      return "skip-slot";
  }
  return "unknown";
}

Result<Bytes> EncodeEntry(const MemberEntry& entry,
                          const crypto::SigningKeyPair& signer) {
  if (signer.public_key() != entry.signer) {
    return InvalidArgumentError(
        "member-log entry names a signer other than the key signing it");
  }
  const std::size_t body = BodySize(entry);
  if (body == 0) return InvalidArgumentError("unknown member-log entry type");
  if (entry.cuts.size() > kMaxCuts ||
      (!CarriesCuts(entry.type) && !entry.cuts.empty())) {
    return InvalidArgumentError(
        "a member-log entry carries at most " + std::to_string(kMaxCuts) +
        " cuts, and only remove-member, change-role and remove-device carry "
        "any");
  }
  Bytes out;
  out.reserve(kEntryFixedBytes + body + kEntrySignatureBytes);
  wire::PutBytes(out, kMagic);
  wire::PutU8(out, kVersion);
  wire::PutU8(out, static_cast<std::uint8_t>(entry.type));
  wire::PutBytes(out, entry.library_id);
  wire::PutU64(out, entry.seq);
  wire::PutBytes(out, entry.prev_hash);
  wire::PutU64(out, entry.time_ms);
  wire::PutBytes(out, entry.signer);
  wire::PutU32(out, static_cast<std::uint32_t>(body));
  EncodeBody(entry, out);
  crypto::Signature sig = signer.Sign(crypto::Hash(kSignLabel, out));
  wire::PutBytes(out, sig);
  return out;
}

Result<MemberEntry> ParseEntry(ByteView bytes) {
  if (bytes.size() > kMaxEntryBytes) {
    return Bad("it is " + std::to_string(bytes.size()) +
               " bytes, over the limit of " + std::to_string(kMaxEntryBytes));
  }
  wire::Reader reader(bytes);
  std::array<std::uint8_t, 4> magic{};
  if (!reader.ReadArray(&magic) ||
      std::memcmp(magic.data(), kMagic, sizeof(kMagic)) != 0) {
    return Bad("it does not start with \"CVML\"");
  }
  MemberEntry e;
  std::uint8_t version = 0, type = 0;
  std::uint32_t body_size = 0;
  if (!reader.ReadU8(&version)) return Bad("truncated before the version");
  if (version != kVersion) {
    return Bad("version " + std::to_string(version) +
               " (this build reads version " + std::to_string(kVersion) + "; " +
               (version < kVersion ? "the library was made by an older coven"
                                   : "upgrade coven") +
               ")");
  }
  if (!reader.ReadU8(&type) || !reader.ReadArray(&e.library_id) ||
      !reader.ReadU64(&e.seq) || !reader.ReadArray(&e.prev_hash) ||
      !reader.ReadU64(&e.time_ms) || !reader.ReadArray(&e.signer) ||
      !reader.ReadU32(&body_size)) {
    return Bad("truncated header");
  }
  e.type = static_cast<EntryType>(type);
  const std::size_t fixed = FixedBodySize(e.type);
  if (fixed == 0) {
    return Bad("unknown entry type " + std::to_string(type) +
               " (written by a newer coven? upgrade to read it)");
  }
  const bool with_cuts = CarriesCuts(e.type);
  const bool size_fits =
      with_cuts
          ? body_size >= fixed + 2 && (body_size - fixed - 2) % kCutBytes == 0
          : body_size == fixed;
  if (!size_fits) {
    return Bad(std::string(EntryTypeName(e.type)) + " body is " +
               std::to_string(body_size) + " bytes, expected " +
               std::to_string(fixed) +
               (with_cuts ? " plus a cut count and whole cuts" : ""));
  }
  if (reader.remaining() != body_size + kEntrySignatureBytes) {
    return Bad(
        "its length does not match its body size (truncated or "
        "trailing bytes)");
  }
  std::uint8_t role = 0;
  bool ok = true;
  switch (e.type) {
    case EntryType::kGenesis:
      ok = reader.ReadArray(&e.member_sign) &&
           reader.ReadArray(&e.member_box) && reader.ReadArray(&e.device) &&
           reader.ReadArray(&e.key_id);
      break;
    case EntryType::kAddMember:
      ok = reader.ReadArray(&e.member_sign) &&
           reader.ReadArray(&e.member_box) && reader.ReadU8(&role) &&
           reader.ReadArray(&e.device);
      break;
    case EntryType::kRemoveMember:
      ok = reader.ReadArray(&e.member_sign) && reader.ReadArray(&e.key_id);
      break;
    case EntryType::kChangeRole:
      ok = reader.ReadArray(&e.member_sign) && reader.ReadU8(&role);
      break;
    case EntryType::kAddDevice:
      ok = reader.ReadArray(&e.member_sign) && reader.ReadArray(&e.device);
      break;
    case EntryType::kRemoveDevice:
      ok = reader.ReadArray(&e.member_sign) && reader.ReadArray(&e.device) &&
           reader.ReadArray(&e.key_id);
      break;
    case EntryType::kRotateKey:
      ok = reader.ReadArray(&e.key_id);
      break;
    case EntryType::kSkipSlot:
      ok = reader.ReadU64(&e.skipped_seq) && reader.ReadArray(&e.skipped_hash);
      break;
  }
  if (ok && with_cuts) {
    std::uint16_t count = 0;
    ok = reader.ReadU16(&count) &&
         std::size_t{count} * kCutBytes == body_size - fixed - 2;
    if (!ok) return Bad("its cut count does not match its body size");
    for (std::uint16_t i = 0; ok && i < count; ++i) {
      Cut cut;
      ok = reader.ReadArray(&cut.device) && reader.ReadU64(&cut.seq) &&
           reader.ReadArray(&cut.hash);
      for (const Cut& earlier : e.cuts) {
        if (earlier.device == cut.device) return Bad("a device is cut twice");
      }
      e.cuts.push_back(cut);
    }
  }
  if (!ok) return Bad("truncated body");
  if (e.type == EntryType::kAddMember || e.type == EntryType::kChangeRole) {
    if (!ValidRole(role)) return Bad("invalid role " + std::to_string(role));
    e.role = static_cast<MemberRole>(role);
  }
  const std::size_t signed_size = bytes.size() - kEntrySignatureBytes;
  if (!reader.ReadArray(&e.signature)) return Bad("truncated signature");
  Status verified = crypto::Verify(
      e.signer, crypto::Hash(kSignLabel, bytes.first(signed_size)),
      e.signature);
  if (!verified.ok()) {
    return UnauthenticatedError(
        "member-log entry signature does not verify (forged or altered)");
  }
  return e;
}

crypto::Hash256 EntryHash(ByteView bytes) {
  return crypto::Hash("coven/member-link/v1", bytes);
}

}  // namespace coven::members
