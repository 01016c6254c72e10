// Tag-length-value records for code payloads.
//
// A payload is a sequence of records: u8 tag, unsigned LEB128 varint length
// (minimal encoding, at most 10 bytes), then that many value bytes. The
// reader is bounds-checked and lets the caller decide what a duplicate or
// unknown tag means, so a newer writer can add optional fields that older
// readers skip.
//
// Thread safety: TlvWriter is a value (one thread at a time); ReadTlv is a
// pure function.
#ifndef COVEN_CODES_TLV_H_
#define COVEN_CODES_TLV_H_

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "coven/bytes.h"
#include "coven/status.h"

namespace coven::codes {

/// Appends `value` as an unsigned LEB128 varint.
void AppendVarint(std::uint64_t value, Bytes* out);

/// Builds a TLV payload.
class TlvWriter {
 public:
  /// Appends a record with `value` as its bytes.
  TlvWriter& Add(std::uint8_t tag, ByteView value);
  /// Appends a record holding the characters of `value`.
  TlvWriter& AddString(std::uint8_t tag, std::string_view value);
  /// Appends a record holding `value` as a varint (read with TlvUint).
  TlvWriter& AddUint(std::uint8_t tag, std::uint64_t value);

  const Bytes& bytes() const { return bytes_; }
  /// Moves the payload out; the writer is left empty.
  Bytes Finish() { return std::move(bytes_); }

 private:
  Bytes bytes_;
};

/// One record; `value` borrows from the buffer given to ReadTlv.
struct TlvRecord {
  std::uint8_t tag = 0;
  ByteView value;
};

/// What ReadTlv does with a tag seen twice or a tag not in `known_tags`.
enum class TlvDuplicates { kReject, kKeepAll };
enum class TlvUnknown { kReject, kSkip };

struct TlvRules {
  /// Tags the caller understands. Empty means every tag is known.
  std::vector<std::uint8_t> known_tags;
  TlvDuplicates duplicates = TlvDuplicates::kReject;
  TlvUnknown unknown = TlvUnknown::kSkip;
  /// Tags that must appear at least once.
  std::vector<std::uint8_t> required_tags;
};

/// Parses `data` into records, in order, applying `rules` (skipped unknown
/// records are left out). kInvalidArgument, naming the record's offset and
/// tag, for a truncated record, a length past the end, a non-minimal or
/// overlong varint, a duplicate or unknown tag the rules reject, or a
/// missing required tag.
Result<std::vector<TlvRecord>> ReadTlv(ByteView data, const TlvRules& rules);

/// The first record with `tag`, or nullptr.
const TlvRecord* FindTlv(std::span<const TlvRecord> records, std::uint8_t tag);

/// Decodes a value written by TlvWriter::AddUint: exactly one minimal
/// varint. kInvalidArgument otherwise.
Result<std::uint64_t> TlvUint(ByteView value);

}  // namespace coven::codes

#endif  // COVEN_CODES_TLV_H_
