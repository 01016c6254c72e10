// Crockford base32 for human-typable codes.
//
// Alphabet: 0123456789ABCDEFGHJKMNPQRSTVWXYZ (no I, L, O, U). Bytes are read
// as one big-endian bit string, 5 bits per character; the last character is
// padded with zero bits. Decoding is strict about the alphabet and the
// padding: normalizing typos (case, I/L/O) is the job of code.h.
//
// Thread safety: pure functions.
#ifndef COVEN_CODES_BASE32_H_
#define COVEN_CODES_BASE32_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "coven/bytes.h"

namespace coven::codes {

/// The 32 Crockford symbols in value order.
inline constexpr std::string_view kCrockfordAlphabet =
    "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Number of characters that encode `bytes` bytes: ceil(8 * bytes / 5).
std::size_t Base32Length(std::size_t bytes);

/// Uppercase Crockford base32 of `data`, no separators.
std::string Base32Encode(ByteView data);

/// The value (0..31) of an uppercase Crockford symbol, or -1.
int Base32Value(char symbol);

/// Decodes uppercase symbols. nullopt when a character is outside the
/// alphabet, when the length is not Base32Length(n) for any n, or when the
/// padding bits of the last character are not zero (so every byte string
/// has exactly one encoding).
std::optional<Bytes> Base32Decode(std::string_view text);

}  // namespace coven::codes

#endif  // COVEN_CODES_BASE32_H_
