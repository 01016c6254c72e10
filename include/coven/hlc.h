// Hybrid logical clock stamps (format: docs/format/hlc.md).
//
// A stamp is 48-bit Unix milliseconds | 16-bit counter | 64-bit device id.
// Its 16-byte big-endian form and its 38-character text form both sort in
// stamp order, so `_updated_at` columns compare correctly as TEXT:
//
//   001732272000123-00000-1a2b3c4d5e6f7a8b
//   ^ms, 15 digits  ^ctr  ^device, 16 lowercase hex digits
//
// Two devices never produce equal stamps because the device id is part of it.
#ifndef COVEN_HLC_H_
#define COVEN_HLC_H_

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace coven {

/// One HLC stamp. Value type; ordering is (millis, counter, device).
struct Hlc {
  std::uint64_t millis = 0;  ///< 48 significant bits.
  std::uint16_t counter = 0;
  std::uint64_t device = 0;

  static constexpr std::uint64_t kMaxMillis = (std::uint64_t{1} << 48) - 1;
  static constexpr std::size_t kTextSize = 38;

  auto operator<=>(const Hlc&) const = default;

  /// 38-character fixed-width text form.
  std::string ToText() const;
  /// Parses the text form; nullopt unless `text` is exactly a valid stamp.
  static std::optional<Hlc> FromText(std::string_view text);

  /// 16-byte big-endian form.
  std::array<std::uint8_t, 16> ToBytes() const;
  static Hlc FromBytes(const std::array<std::uint8_t, 16>& bytes);
};

/// Formats a device id as 16 lowercase hex digits.
std::string DeviceIdToHex(std::uint64_t device);
/// Parses 16 hex digits; nullopt otherwise.
std::optional<std::uint64_t> DeviceIdFromHex(std::string_view hex);

}  // namespace coven

#endif  // COVEN_HLC_H_
