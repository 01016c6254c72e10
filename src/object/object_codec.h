// Structural codec of sealed objects: the cleartext header, chunk framing and
// signature trailer, without any cryptography. Byte layout:
// docs/format/object.md.
//
// Thread safety: stateless functions; safe from any thread.
#ifndef COVEN_OBJECT_OBJECT_CODEC_H_
#define COVEN_OBJECT_OBJECT_CODEC_H_

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "coven/bytes.h"
#include "coven/status.h"
#include "object/sealed_object.h"

namespace coven::object::codec {

inline constexpr std::uint8_t kMagic[4] = {'C', 'V', 'N', '1'};
/// Bytes from the magic through the chunk count (inclusive).
inline constexpr std::size_t kCleartextSize = 198;
/// Largest plaintext per chunk; every chunk but the last has exactly this.
inline constexpr std::size_t kChunkPlaintextMax = std::size_t{1} << 20;
inline constexpr std::size_t kNonceSize = 24;
inline constexpr std::size_t kTagSize = 16;
inline constexpr std::size_t kSignatureSize = 64;
/// Chunk framing: u32 ciphertext length | 24-byte nonce | ciphertext + tag.
inline constexpr std::size_t kChunkOverhead = 4 + kNonceSize;
/// Smallest well-formed chunk: framing plus one byte of plaintext and a tag.
inline constexpr std::size_t kMinChunkSize = kChunkOverhead + 1 + kTagSize;

/// One chunk as it appears on the wire (borrowed from the object).
struct WireChunk {
  ByteView nonce;       ///< 24 bytes.
  ByteView ciphertext;  ///< Ciphertext followed by the 16-byte tag.
};

/// An object split into its parts. Views borrow from the parsed bytes.
struct ParsedObject {
  ObjectHeader header;
  ByteView cleartext;     ///< Magic through chunk count (kCleartextSize).
  ByteView signed_bytes;  ///< Every byte before the signature.
  std::vector<WireChunk> chunks;
  crypto::Signature signature{};
};

/// Checks the header fields a reader would reject (kind, seq, HLC range).
/// kInvalidArgument whose message starts with `subject` (e.g. "sealed object
/// log/ab/1") and says what is wrong.
Status ValidateHeaderFields(const ObjectHeader& header,
                            std::string_view subject);

/// Appends magic, version, kind, the fixed header fields and `chunk_count`
/// (exactly kCleartextSize bytes). `header` must pass ValidateHeaderFields.
void EncodeCleartext(const ObjectHeader& header, std::uint32_t chunk_count,
                     Bytes& out);

/// Splits `object` into its parts, rejecting anything not well formed:
/// size over `limits.max_object_bytes`, bad magic, version, kind, zero or
/// overrunning chunks, non-canonical chunk sizes, trailing bytes.
/// kInvalidArgument whose message starts with `subject` and gives the reason.
Result<ParsedObject> Parse(ByteView object, const OpenLimits& limits,
                           std::string_view subject);

}  // namespace coven::object::codec

#endif  // COVEN_OBJECT_OBJECT_CODEC_H_
