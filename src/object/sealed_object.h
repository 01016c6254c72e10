// Sealed objects: the only bytes coven ever writes to a home.
// Byte layout and rationale: docs/format/object.md.
//
//   magic "CVN1" | version u8 | kind u8 | header (fixed fields) |
//   chunk count u32 | chunks (len u32 | nonce 24 | ciphertext+tag) ... |
//   Ed25519 signature (64) over BLAKE2b-256("coven/object-signature/v1" ||
//   u32 path length || path || every preceding byte)
//
// The payload is zstd-compressed, padded (Padme) and encrypted with
// XChaCha20-Poly1305-IETF in chunks of at most 1 MiB. Each chunk's AAD binds
// the path, the header bytes, the chunk index and a final-chunk flag, so
// chunks cannot be reordered, truncated, spliced between objects or moved to
// another path. Nonces are derived (keyed BLAKE2b over path, chunk index, the
// chunk's AAD and its plaintext) and stored in front of each chunk, so sealing
// the same input twice gives identical bytes while different plaintexts never
// share a nonce.
//
// Thread safety: stateless functions; safe from any thread.
#ifndef COVEN_OBJECT_SEALED_OBJECT_H_
#define COVEN_OBJECT_SEALED_OBJECT_H_

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>

#include "coven/bytes.h"
#include "coven/hlc.h"
#include "coven/status.h"
#include "crypto/crypto.h"

namespace coven::object {

/// The object format version this build writes and reads
/// (docs/format/object.md §9).
inline constexpr std::uint8_t kFormatVersion = 3;

enum class ObjectKind : std::uint8_t {
  kLog = 1,   ///< A changeset of one author: log/<device>/<seq>.
  kHead = 2,  ///< An author's latest seq and hash: heads/<device>.
  /// A log object whose flush continues in the author's next seq: every
  /// part of a split flush but the last (which is a kLog). Receivers apply
  /// the parts and the final kLog together.
  kLogPart = 3,
};

/// True for the kinds stored at log/<device>/<seq>.
inline bool IsLogKind(ObjectKind kind) {
  return kind == ObjectKind::kLog || kind == ObjectKind::kLogPart;
}

/// Cleartext header. Authenticated (AAD and signature), never encrypted.
struct ObjectHeader {
  ObjectKind kind = ObjectKind::kLog;
  std::array<std::uint8_t, 16> library_id{};
  crypto::KeyId key_id{};
  std::uint64_t author_device = 0;
  crypto::PublicKey author_public_key{};
  std::uint64_t seq = 0;        ///< 1-based, gapless per author.
  crypto::Hash256 prev_hash{};  ///< ObjectHash of seq-1; zero for seq 1.
  Hlc hlc_min;                  ///< Smallest stamp in the payload.
  Hlc hlc_max;                  ///< Largest stamp in the payload.
  std::uint32_t schema_version = 0;
  /// Member-log position the author had verified when it wrote the object:
  /// the object is authorized against the member state at this position.
  std::uint64_t member_seq = 0;
  /// EntryHash of the bytes in member-log slot `member_seq` (zero when
  /// `member_seq` is 0): binds the object to one history of the log.
  crypto::Hash256 member_hash{};

  bool operator==(const ObjectHeader&) const = default;
};

/// Limits applied before any expensive work. Exceeding one is kInvalidArgument
/// (a hostile or broken object), never a crash or an unbounded allocation.
struct OpenLimits {
  std::uint64_t max_object_bytes = 256ull << 20;
  std::uint64_t max_payload_bytes = 1ull << 30;  ///< After decompression.
};

/// Seals `payload` for `path`. `header.author_device` and
/// `header.author_public_key` must match `signer` and `header.key_id` must
/// equal `key.id()` (kInvalidArgument otherwise). Deterministic: identical
/// arguments give identical bytes.
Result<Bytes> Seal(std::string_view path, const ObjectHeader& header,
                   ByteView payload, const crypto::LibraryKey& key,
                   const crypto::SigningKeyPair& signer);

/// Parses the cleartext header without any cryptography. Checks magic,
/// version, kind and bounds; kInvalidArgument with a precise reason if the
/// bytes are not a well-formed object.
Result<ObjectHeader> ParseHeader(ByteView object,
                                 const OpenLimits& limits = OpenLimits());

/// Parses the object and checks that its author device id is bound to its
/// public key and that the Ed25519 signature over path and bytes verifies;
/// no decryption. Returns the header. Errors as for Open (without
/// kNotFound).
Result<ObjectHeader> Verify(std::string_view path, ByteView object,
                            const OpenLimits& limits = OpenLimits());

/// Finds the library key named by an object's key id; nullopt if unknown.
using KeyLookup =
    std::function<std::optional<crypto::LibraryKey>(const crypto::KeyId&)>;

/// Parses, verifies and decrypts. Order: size limits, header parse, device id
/// bound to the header's public key, Ed25519 signature over path and bytes,
/// key lookup, per-chunk AEAD, padding, zstd (bounded by limits).
/// Errors: kInvalidArgument (malformed, oversize), kUnauthenticated (bad
/// signature, device id not bound to the key, AEAD failure), kNotFound
/// (unknown key id). `header_out` (optional) receives the header on success.
Result<Bytes> Open(std::string_view path, ByteView object,
                   const KeyLookup& keys, ObjectHeader* header_out = nullptr,
                   const OpenLimits& limits = OpenLimits());

/// BLAKE2b-256("coven/object/v1" || object): the value prev_hash links to.
crypto::Hash256 ObjectHash(ByteView object);

/// Padme padded length for `length` bytes (at most ~12% larger).
std::uint64_t PadmeLength(std::uint64_t length);

}  // namespace coven::object

#endif  // COVEN_OBJECT_SEALED_OBJECT_H_
