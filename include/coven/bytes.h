// Byte buffers used across the coven API.
//
// `Bytes` owns its storage; `ByteView` borrows it and must not outlive the
// owner. Both are plain std types so the public API needs no coven-specific
// container.
#ifndef COVEN_BYTES_H_
#define COVEN_BYTES_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace coven {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

/// Views the characters of `text` as bytes (no copy).
inline ByteView AsBytes(std::string_view text) {
  return ByteView(reinterpret_cast<const std::uint8_t*>(text.data()),
                  text.size());
}

/// Copies `text` into a byte buffer.
inline Bytes ToBytes(std::string_view text) {
  const ByteView bytes = AsBytes(text);  // Copied whole, not char by char.
  return Bytes(bytes.begin(), bytes.end());
}

/// Views bytes as characters (no copy).
inline std::string_view AsString(ByteView bytes) {
  return std::string_view(reinterpret_cast<const char*>(bytes.data()),
                          bytes.size());
}

/// Lowercase hex of `bytes`.
std::string HexEncode(ByteView bytes);

/// Decodes lowercase or uppercase hex. Returns false (and leaves `out`
/// unspecified) on odd length or a non-hex character.
bool HexDecode(std::string_view hex, Bytes* out);

}  // namespace coven

#endif  // COVEN_BYTES_H_
