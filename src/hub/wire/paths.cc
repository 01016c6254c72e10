#include "hub/wire/paths.h"

#include <optional>

namespace coven::hub::wire {

namespace {

// Exactly `width` lowercase hex digits.
std::optional<std::uint64_t> Hex(std::string_view text, std::size_t width) {
  if (text.size() != width) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : text) {
    int digit;
    if (c >= '0' && c <= '9') {
      digit = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      digit = c - 'a' + 10;
    } else {
      return std::nullopt;
    }
    if (width <= 16) value = (value << 4) | static_cast<std::uint64_t>(digit);
  }
  return value;
}

bool TakePrefix(std::string_view& text, std::string_view prefix) {
  if (!text.starts_with(prefix)) return false;
  text.remove_prefix(prefix.size());
  return true;
}

}  // namespace

ParsedPath ParsePath(std::string_view path) {
  ParsedPath out;
  if (path == "coven-library.json") {
    out.kind = PathKind::kMarker;
    return out;
  }
  std::string_view rest = path;
  if (TakePrefix(rest, "members/")) {
    auto slot = Hex(rest, 16);
    if (slot && *slot > 0) {
      out.kind = PathKind::kMember;
      out.number = *slot;
    }
    return out;
  }
  if (TakePrefix(rest, "heads/")) {
    if (auto device = Hex(rest, 16)) {
      out.kind = PathKind::kHead;
      out.device = *device;
    }
    return out;
  }
  if (TakePrefix(rest, "log/")) {
    if (rest.size() != 33 || rest[16] != '/') return out;
    auto device = Hex(rest.substr(0, 16), 16);
    auto seq = Hex(rest.substr(17), 16);
    if (device && seq && *seq > 0) {
      out.kind = PathKind::kLog;
      out.device = *device;
      out.number = *seq;
    }
    return out;
  }
  if (TakePrefix(rest, "keys/")) {
    if (rest.size() != 49 || rest[32] != '/') return out;
    if (Hex(rest.substr(0, 32), 32) && Hex(rest.substr(33), 16)) {
      out.kind = PathKind::kKeyWrap;
    }
    return out;
  }
  return out;
}

}  // namespace coven::hub::wire
