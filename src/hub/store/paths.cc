#include "hub/store/paths.h"

#include <algorithm>
#include <cstdio>

namespace coven::hub::store {
namespace {

constexpr std::string_view kHeads = "heads/";
constexpr std::string_view kLog = "log/";
constexpr std::string_view kMembers = "members/";

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

}  // namespace

std::string Hex16(std::uint64_t value) {
  char buffer[17];
  std::snprintf(buffer, sizeof(buffer), "%016llx",
                static_cast<unsigned long long>(value));
  return std::string(buffer, 16);
}

std::optional<std::uint64_t> ParseHex16(std::string_view text) {
  if (text.size() != 16) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : text) {
    const int digit = HexDigit(c);
    if (digit < 0) return std::nullopt;
    value = (value << 4) | static_cast<std::uint64_t>(digit);
  }
  return value;
}

std::string HeadPath(std::uint64_t author) {
  return std::string(kHeads) + Hex16(author);
}

std::string LogPath(std::uint64_t author, std::uint64_t seq) {
  return std::string(kLog) + Hex16(author) + "/" + Hex16(seq);
}

std::string MemberPath(std::uint64_t slot) {
  return std::string(kMembers) + Hex16(slot);
}

ParsedPath ParsePath(std::string_view path) {
  ParsedPath parsed;
  if (path == kMarkerPath) {
    parsed.kind = ParsedPath::Kind::kMarker;
  } else if (StartsWith(path, kHeads)) {
    if (auto author = ParseHex16(path.substr(kHeads.size()))) {
      parsed.kind = ParsedPath::Kind::kHead;
      parsed.author = *author;
    }
  } else if (StartsWith(path, kLog)) {
    const std::string_view rest = path.substr(kLog.size());
    if (rest.size() == 33 && rest[16] == '/') {
      auto author = ParseHex16(rest.substr(0, 16));
      auto seq = ParseHex16(rest.substr(17));
      if (author && seq) {
        parsed.kind = ParsedPath::Kind::kLog;
        parsed.author = *author;
        parsed.seq = *seq;
      }
    }
  } else if (StartsWith(path, kMembers)) {
    if (auto slot = ParseHex16(path.substr(kMembers.size()))) {
      parsed.kind = ParsedPath::Kind::kMember;
      parsed.seq = *slot;
    }
  } else if (!path.empty()) {
    parsed.kind = ParsedPath::Kind::kObject;
  }
  return parsed;
}

Status CheckObjectPath(std::string_view path) {
  if (path.empty() || path.find('\0') != std::string_view::npos) {
    return InvalidArgumentError("object path is empty or holds a NUL byte");
  }
  if (path == kMarkerPath || StartsWith(path, kHeads) ||
      StartsWith(path, kLog) || StartsWith(path, kMembers)) {
    return InvalidArgumentError(
        "PutObject cannot write \"" + std::string(path) +
        "\": the marker, heads, log objects and member entries have calls "
        "of their own");
  }
  return Status::Ok();
}

std::optional<std::uint64_t> Hex16LowerBound(std::string_view text) {
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < 16; ++i) {
    const int shift = static_cast<int>(4 * (16 - i));
    if (i == text.size()) {  // A proper prefix: pad with zeros.
      return shift == 64 ? 0 : value << shift;
    }
    const char c = text[i];
    const int digit = HexDigit(c);
    if (digit >= 0) {
      value = (value << 4) | static_cast<std::uint64_t>(digit);
      continue;
    }
    // The first non-digit decides: the next digit must sort above it.
    std::uint64_t head = value;
    if (c < '0') {
      // Any digit sorts above c.
    } else if (c > '9' && c < 'a') {
      head = (head << 4) | 10;  // 'a' is the first digit above c.
      return (head << (shift - 4));
    } else {
      // c sorts above every digit: the next value of the first i digits.
      if (i == 0) return std::nullopt;
      const std::uint64_t limit = 1ull << (4 * i);
      if (head + 1 >= limit) return std::nullopt;
      head += 1;
    }
    return shift == 64 ? head : head << shift;
  }
  if (text.size() == 16) return value;
  // Hex16(value) is a proper prefix of text, so it sorts below it.
  if (value == UINT64_MAX) return std::nullopt;
  return value + 1;
}

bool Listing::Wants(std::string_view path) const {
  return path > start_after_ && StartsWith(path, prefix_);
}

bool Listing::PastEnd(std::string_view path) const {
  return path > prefix_ && !StartsWith(path, prefix_);
}

bool Listing::Overlaps(std::string_view kind_prefix) const {
  if (!StartsWith(kind_prefix, prefix_) && !StartsWith(prefix_, kind_prefix)) {
    return false;
  }
  const std::string_view lower = Lower();
  return lower < kind_prefix || StartsWith(lower, kind_prefix);
}

std::string_view Listing::Lower() const {
  return std::max<std::string_view>(prefix_, start_after_);
}

std::optional<std::uint64_t> Listing::FirstKey(
    std::string_view kind_prefix) const {
  if (!Overlaps(kind_prefix)) return std::nullopt;
  const std::string_view lower = Lower();
  if (lower < kind_prefix) return 0;
  return Hex16LowerBound(lower.substr(kind_prefix.size()));
}

std::optional<std::pair<std::uint64_t, std::uint64_t>> Listing::FirstLogKey()
    const {
  using Key = std::pair<std::uint64_t, std::uint64_t>;
  if (!Overlaps(kLog)) return std::nullopt;
  const std::string_view lower = Lower();
  if (lower < kLog) return Key{0, 0};
  const std::string_view tail = lower.substr(kLog.size());
  const std::optional<std::uint64_t> author = ParseHex16(tail.substr(0, 16));
  if (!author) {
    // Hex16(first) > tail's first 16 characters: any seq will do.
    const std::optional<std::uint64_t> first =
        Hex16LowerBound(tail.substr(0, 16));
    if (!first) return std::nullopt;
    return Key{*first, 0};
  }
  auto next_author = [&]() -> std::optional<Key> {
    if (*author == UINT64_MAX) return std::nullopt;
    return Key{*author + 1, 0};
  };
  if (tail.size() == 16 || tail[16] < '/') return Key{*author, 0};
  if (tail[16] > '/') return next_author();
  const std::optional<std::uint64_t> seq = Hex16LowerBound(tail.substr(17));
  if (!seq || *seq >= kMaxSeq) return next_author();
  return Key{*author, *seq};
}

bool Listing::Add(std::vector<PathInfo>* kind_rows, PathInfo info) const {
  if (PastEnd(info.path)) return false;
  if (Wants(info.path)) kind_rows->push_back(std::move(info));
  return kind_rows->size() < limit_;
}

std::vector<PathInfo> Listing::Merge(
    std::vector<std::vector<PathInfo>> kinds) const {
  std::vector<PathInfo> all;
  for (auto& kind : kinds) {
    for (auto& info : kind) all.push_back(std::move(info));
  }
  std::sort(all.begin(), all.end(), [](const PathInfo& a, const PathInfo& b) {
    return a.path < b.path;
  });
  if (all.size() > limit_) all.resize(limit_);
  return all;
}

Status NoLogObject(std::string_view space, std::string_view path) {
  return NotFoundError("no object \"" + std::string(path) + "\" in \"" +
                       std::string(space) + "\"");
}

Status OffsetPastTheEnd(std::string_view path, std::uint64_t size,
                        std::uint64_t offset) {
  return OutOfRangeError(std::string(path) + " is " + std::to_string(size) +
                         " bytes; offset " + std::to_string(offset) +
                         " is past it");
}

}  // namespace coven::hub::store
