#include "object/payload.h"

#include <zstd.h>

#include <algorithm>
#include <bit>
#include <limits>
#include <string>

#include "object/wire.h"

namespace coven::object {

// Padme (Nikitin et al., "Reducing Metadata Leakage from Encrypted Files and
// Communication with PURBs", PoPETs 2019): keep the top S = floor(log2 E) + 1
// bits of the length's E = floor(log2 L) significant bits and round the rest
// up. Overhead is at most ~12% and falls as L grows; at most
// O(log log L) bits of the length leak.
std::uint64_t PadmeLength(std::uint64_t length) {
  if (length <= payload::kMinPaddedLength) return payload::kMinPaddedLength;
  const int e = std::bit_width(length) - 1;
  const int s = std::bit_width(static_cast<unsigned>(e));
  const int last_bits = e - s;
  const std::uint64_t mask = (std::uint64_t{1} << last_bits) - 1;
  if (length > std::numeric_limits<std::uint64_t>::max() - mask) {
    return std::numeric_limits<std::uint64_t>::max();
  }
  return (length + mask) & ~mask;
}

namespace payload {

namespace {

constexpr std::uint8_t kPadMarker = 0x80;
constexpr std::size_t kLengthPrefix = 8;

Status Invalid(std::string_view subject, const std::string& what) {
  return InvalidArgumentError(std::string(subject) + " " + what);
}

}  // namespace

Result<Bytes> Encode(ByteView payload) {
  if (payload.size() > kMaxSealPayload) {
    return InvalidArgumentError("payload of " + std::to_string(payload.size()) +
                                " bytes is too large to seal (the limit is " +
                                std::to_string(kMaxSealPayload) +
                                " bytes); split it");
  }
  static const std::uint8_t kEmpty = 0;
  const void* src = payload.empty() ? &kEmpty : payload.data();
  const std::size_t bound = ZSTD_compressBound(payload.size());
  Bytes out;
  out.reserve(PadmeLength(kLengthPrefix + bound + 1));
  wire::PutU64(out, payload.size());
  out.resize(kLengthPrefix + bound);
  const std::size_t compressed = ZSTD_compress(
      out.data() + kLengthPrefix, bound, src, payload.size(), kZstdLevel);
  if (ZSTD_isError(compressed)) {
    return InternalError(std::string("zstd compression failed: ") +
                         ZSTD_getErrorName(compressed));
  }
  out.resize(kLengthPrefix + compressed);
  const std::uint64_t padded = PadmeLength(out.size() + 1);
  out.push_back(kPadMarker);
  out.resize(padded, 0);
  return out;
}

std::uint64_t WorstCaseSealedSize(std::uint64_t payload_bytes) {
  constexpr std::uint64_t kHeader = 166, kSignature = 64;
  constexpr std::uint64_t kChunkOverhead = 4 + 24 + 16;  // length, nonce, tag
  constexpr std::uint64_t kChunk = 1 << 20;
  const std::uint64_t bound = ZSTD_COMPRESSBOUND(payload_bytes);
  const std::uint64_t padded = PadmeLength(kLengthPrefix + bound + 1);
  const std::uint64_t chunks = (padded + kChunk - 1) / kChunk;
  return kHeader + kSignature + chunks * kChunkOverhead + padded;
}

std::uint64_t LargestPayloadWithin(std::uint64_t object_bytes) {
  if (WorstCaseSealedSize(0) > object_bytes) return 0;
  // WorstCaseSealedSize grows with the payload: binary search.
  std::uint64_t low = 0, high = std::min(object_bytes, kMaxSealPayload);
  while (low < high) {
    const std::uint64_t mid = low + (high - low + 1) / 2;
    if (WorstCaseSealedSize(mid) <= object_bytes) {
      low = mid;
    } else {
      high = mid - 1;
    }
  }
  return low;
}

Result<Bytes> Decode(ByteView plaintext, const OpenLimits& limits,
                     std::string_view subject) {
  // Strip the padding: trailing zeros, then exactly one 0x80 marker. The
  // plaintext is already authenticated, so timing here reveals nothing an
  // attacker could not compute.
  std::size_t end = plaintext.size();
  while (end > 0 && plaintext[end - 1] == 0) --end;
  if (end == 0 || plaintext[end - 1] != kPadMarker) {
    return Invalid(subject,
                   "has malformed payload padding (no 0x80 end marker)");
  }
  const std::size_t framed = end - 1;
  if (PadmeLength(framed + 1) != plaintext.size()) {
    return Invalid(subject, "has non-canonical payload padding (" +
                                std::to_string(plaintext.size()) +
                                " padded bytes for " + std::to_string(framed) +
                                " framed bytes; expected " +
                                std::to_string(PadmeLength(framed + 1)) + ")");
  }
  if (framed < kLengthPrefix) {
    return Invalid(subject, "has a payload too short to hold its length");
  }
  const std::uint64_t declared = wire::LoadU64(plaintext.data());
  if (declared > limits.max_payload_bytes) {
    return Invalid(subject, "declares a payload of " +
                                std::to_string(declared) +
                                " bytes after decompression, over the limit "
                                "of " +
                                std::to_string(limits.max_payload_bytes) +
                                " bytes; refusing to decompress it");
  }
  const ByteView frame =
      plaintext.subspan(kLengthPrefix, framed - kLengthPrefix);
  const unsigned long long frame_size =
      ZSTD_getFrameContentSize(frame.data(), frame.size());
  if (frame_size == ZSTD_CONTENTSIZE_ERROR) {
    return Invalid(subject, "has a payload that is not a zstd frame");
  }
  if (frame_size != declared) {
    return Invalid(subject, "has a zstd frame whose content size (" +
                                (frame_size == ZSTD_CONTENTSIZE_UNKNOWN
                                     ? std::string("unknown")
                                     : std::to_string(frame_size)) +
                                ") differs from the declared payload size " +
                                std::to_string(declared));
  }
  Bytes out(static_cast<std::size_t>(declared));
  std::uint8_t scratch = 0;
  void* dst = out.empty() ? &scratch : out.data();
  const std::size_t written =
      ZSTD_decompress(dst, out.size(), frame.data(), frame.size());
  if (ZSTD_isError(written)) {
    return Invalid(subject, std::string("has a payload that does not "
                                        "decompress (zstd: ") +
                                ZSTD_getErrorName(written) + ")");
  }
  if (written != declared) {
    return Invalid(subject, "decompressed to " + std::to_string(written) +
                                " bytes instead of the declared " +
                                std::to_string(declared));
  }
  return out;
}

}  // namespace payload
}  // namespace coven::object
