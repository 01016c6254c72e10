#include "coven/hlc.h"

#include <cstdio>

namespace coven {

std::string Hlc::ToText() const {
  // Hand-formatted (this runs once per row on the capture and apply paths):
  // 15 decimal digits, '-', 5 decimal digits, '-', 16 lowercase hex digits.
  std::string out(kTextSize, '0');
  std::uint64_t ms = millis & kMaxMillis;
  for (int i = 14; i >= 0; --i, ms /= 10)
    out[i] = static_cast<char>('0' + ms % 10);
  out[15] = '-';
  unsigned c = counter;
  for (int i = 20; i >= 16; --i, c /= 10)
    out[i] = static_cast<char>('0' + c % 10);
  out[21] = '-';
  static constexpr char kHex[] = "0123456789abcdef";
  std::uint64_t d = device;
  for (int i = 37; i >= 22; --i, d >>= 4) out[i] = kHex[d & 0xf];
  return out;
}

namespace {
bool ParseDecimal(std::string_view s, std::uint64_t* out) {
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  *out = v;
  return true;
}
bool ParseHex(std::string_view s, std::uint64_t* out) {
  std::uint64_t v = 0;
  for (char c : s) {
    int d;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      d = c - 'a' + 10;
    } else {
      return false;  // uppercase would break text ordering
    }
    v = v << 4 | static_cast<std::uint64_t>(d);
  }
  *out = v;
  return true;
}
}  // namespace

std::optional<Hlc> Hlc::FromText(std::string_view text) {
  if (text.size() != kTextSize || text[15] != '-' || text[21] != '-') {
    return std::nullopt;
  }
  std::uint64_t millis, counter, device;
  if (!ParseDecimal(text.substr(0, 15), &millis) ||
      !ParseDecimal(text.substr(16, 5), &counter) ||
      !ParseHex(text.substr(22, 16), &device)) {
    return std::nullopt;
  }
  if (millis > kMaxMillis || counter > 0xffff) return std::nullopt;
  return Hlc{millis, static_cast<std::uint16_t>(counter), device};
}

std::array<std::uint8_t, 16> Hlc::ToBytes() const {
  std::array<std::uint8_t, 16> out{};
  std::uint64_t high = (millis & kMaxMillis) << 16 | counter;
  for (int i = 0; i < 8; ++i) {
    out[i] = static_cast<std::uint8_t>(high >> (56 - 8 * i));
    out[8 + i] = static_cast<std::uint8_t>(device >> (56 - 8 * i));
  }
  return out;
}

Hlc Hlc::FromBytes(const std::array<std::uint8_t, 16>& bytes) {
  std::uint64_t high = 0, device = 0;
  for (int i = 0; i < 8; ++i) {
    high = high << 8 | bytes[i];
    device = device << 8 | bytes[8 + i];
  }
  return Hlc{high >> 16, static_cast<std::uint16_t>(high & 0xffff), device};
}

std::string DeviceIdToHex(std::uint64_t device) {
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016llx",
                static_cast<unsigned long long>(device));
  return std::string(buf, 16);
}

std::optional<std::uint64_t> DeviceIdFromHex(std::string_view hex) {
  if (hex.size() != 16) return std::nullopt;
  std::uint64_t v;
  if (!ParseHex(hex, &v)) return std::nullopt;
  return v;
}

}  // namespace coven
