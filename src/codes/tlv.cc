#include "codes/tlv.h"

#include <algorithm>
#include <array>
#include <optional>
#include <string>

namespace coven::codes {

namespace {

constexpr std::size_t kMaxVarintBytes = 10;

// Reads a minimal LEB128 varint at `*offset`; advances it. nullopt when
// truncated, longer than 10 bytes, overflowing 64 bits or not minimal.
std::optional<std::uint64_t> ReadVarint(ByteView data, std::size_t* offset) {
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < kMaxVarintBytes; ++i) {
    if (*offset >= data.size()) return std::nullopt;
    const std::uint8_t byte = data[(*offset)++];
    const std::uint64_t bits = byte & 0x7f;
    if (i == 9 && bits > 1) return std::nullopt;  // Overflows 64 bits.
    value |= bits << (7 * i);
    if ((byte & 0x80) == 0) {
      if (i > 0 && bits == 0) return std::nullopt;  // Not minimal.
      return value;
    }
  }
  return std::nullopt;
}

std::string Where(std::size_t offset, std::uint8_t tag) {
  return "record at byte " + std::to_string(offset) + " (tag " +
         std::to_string(tag) + ")";
}

bool Contains(const std::vector<std::uint8_t>& tags, std::uint8_t tag) {
  return std::find(tags.begin(), tags.end(), tag) != tags.end();
}

}  // namespace

void AppendVarint(std::uint64_t value, Bytes* out) {
  while (value >= 0x80) {
    out->push_back(static_cast<std::uint8_t>(value | 0x80));
    value >>= 7;
  }
  out->push_back(static_cast<std::uint8_t>(value));
}

TlvWriter& TlvWriter::Add(std::uint8_t tag, ByteView value) {
  bytes_.push_back(tag);
  AppendVarint(value.size(), &bytes_);
  bytes_.insert(bytes_.end(), value.begin(), value.end());
  return *this;
}

TlvWriter& TlvWriter::AddString(std::uint8_t tag, std::string_view value) {
  return Add(tag, AsBytes(value));
}

TlvWriter& TlvWriter::AddUint(std::uint8_t tag, std::uint64_t value) {
  Bytes encoded;
  AppendVarint(value, &encoded);
  return Add(tag, encoded);
}

Result<std::vector<TlvRecord>> ReadTlv(ByteView data, const TlvRules& rules) {
  std::vector<TlvRecord> records;
  std::array<bool, 256> seen{};
  std::size_t offset = 0;
  while (offset < data.size()) {
    const std::size_t start = offset;
    const std::uint8_t tag = data[offset++];
    const std::optional<std::uint64_t> length = ReadVarint(data, &offset);
    if (!length.has_value()) {
      return InvalidArgumentError("malformed payload: " + Where(start, tag) +
                                  " has a truncated or invalid length");
    }
    if (*length > data.size() - offset) {
      return InvalidArgumentError(
          "malformed payload: " + Where(start, tag) + " declares " +
          std::to_string(*length) + " bytes but only " +
          std::to_string(data.size() - offset) + " remain");
    }
    const ByteView value = data.subspan(offset, *length);
    offset += *length;
    const bool known =
        rules.known_tags.empty() || Contains(rules.known_tags, tag);
    if (!known) {
      if (rules.unknown == TlvUnknown::kReject) {
        return InvalidArgumentError(
            "unsupported payload: " + Where(start, tag) +
            " has an unknown tag; update the app");
      }
      continue;
    }
    if (seen[tag] && rules.duplicates == TlvDuplicates::kReject) {
      return InvalidArgumentError("malformed payload: " + Where(start, tag) +
                                  " repeats a tag that may appear once");
    }
    seen[tag] = true;
    records.push_back({tag, value});
  }
  for (std::uint8_t tag : rules.required_tags) {
    if (!seen[tag]) {
      return InvalidArgumentError("incomplete payload: required tag " +
                                  std::to_string(tag) + " is missing");
    }
  }
  return records;
}

const TlvRecord* FindTlv(std::span<const TlvRecord> records, std::uint8_t tag) {
  for (const TlvRecord& record : records) {
    if (record.tag == tag) return &record;
  }
  return nullptr;
}

Result<std::uint64_t> TlvUint(ByteView value) {
  std::size_t offset = 0;
  const std::optional<std::uint64_t> parsed = ReadVarint(value, &offset);
  if (!parsed.has_value() || offset != value.size()) {
    return InvalidArgumentError(
        "malformed payload: an integer field is not a single minimal varint");
  }
  return *parsed;
}

}  // namespace coven::codes
