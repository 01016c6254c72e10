#include "codes/base32.h"

#include <cstdint>

namespace coven::codes {

std::size_t Base32Length(std::size_t bytes) { return (bytes * 8 + 4) / 5; }

std::string Base32Encode(ByteView data) {
  std::string out;
  out.reserve(Base32Length(data.size()));
  std::uint32_t buffer = 0;
  int bits = 0;
  for (std::uint8_t byte : data) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += kCrockfordAlphabet[(buffer >> bits) & 31];
    }
    buffer &= (1u << bits) - 1;
  }
  if (bits > 0) out += kCrockfordAlphabet[(buffer << (5 - bits)) & 31];
  return out;
}

int Base32Value(char symbol) {
  if (symbol >= '0' && symbol <= '9') return symbol - '0';
  const std::size_t at = kCrockfordAlphabet.find(symbol, 10);
  return at == std::string_view::npos ? -1 : static_cast<int>(at);
}

std::optional<Bytes> Base32Decode(std::string_view text) {
  const std::size_t bytes = text.size() * 5 / 8;
  if (Base32Length(bytes) != text.size()) return std::nullopt;
  Bytes out;
  out.reserve(bytes);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (char symbol : text) {
    const int value = Base32Value(symbol);
    if (value < 0) return std::nullopt;
    buffer = (buffer << 5) | static_cast<std::uint32_t>(value);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>(buffer >> bits));
    }
    buffer &= (1u << bits) - 1;
  }
  if (buffer != 0) return std::nullopt;  // Non-zero padding bits.
  return out;
}

}  // namespace coven::codes
