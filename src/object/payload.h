// The plaintext inside a sealed object (before chunking and encryption):
//
//   u64 uncompressed length | zstd frame | 0x80 | zero bytes
//
// padded (ISO/IEC 7816-4 style) to exactly PadmeLength(framed length + 1).
// The uncompressed length comes first so a reader can bound its allocation
// before decompressing. Layout: docs/format/object.md.
//
// Thread safety: stateless functions; safe from any thread.
#ifndef COVEN_OBJECT_PAYLOAD_H_
#define COVEN_OBJECT_PAYLOAD_H_

#include <cstdint>
#include <string_view>

#include "coven/bytes.h"
#include "coven/status.h"
#include "object/sealed_object.h"

namespace coven::object::payload {

/// zstd level used by Seal (deterministic for a given zstd build).
inline constexpr int kZstdLevel = 3;
/// Smallest padded plaintext; PadmeLength never returns less.
inline constexpr std::uint64_t kMinPaddedLength = 256;
/// Largest payload Seal accepts (well above any sensible object).
inline constexpr std::uint64_t kMaxSealPayload = std::uint64_t{1} << 40;

/// Compresses, frames and pads `payload`. kInvalidArgument if it is larger
/// than kMaxSealPayload, kInternal if zstd fails.
Result<Bytes> Encode(ByteView payload);

/// Size of the sealed object for a payload of `payload_bytes` in the worst
/// case (zstd cannot compress it at all): header, padded plaintext, chunk
/// framing and signature.
std::uint64_t WorstCaseSealedSize(std::uint64_t payload_bytes);

/// The largest payload whose sealed object is at most `object_bytes`
/// whatever its content; 0 when even an empty payload does not fit.
std::uint64_t LargestPayloadWithin(std::uint64_t object_bytes);

/// Checks the padding and framing of `plaintext`, checks the declared
/// uncompressed length against `limits.max_payload_bytes`, then decompresses.
/// kInvalidArgument whose message starts with `subject` on any problem.
Result<Bytes> Decode(ByteView plaintext, const OpenLimits& limits,
                     std::string_view subject);

}  // namespace coven::object::payload

#endif  // COVEN_OBJECT_PAYLOAD_H_
