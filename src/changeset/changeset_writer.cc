#include "changeset/changeset_writer.h"

#include <cstring>
#include <utility>

namespace coven::changeset {

namespace {
constexpr std::uint8_t kTypeInteger = 0x01;
constexpr std::uint8_t kTypeFloat = 0x02;
constexpr std::uint8_t kTypeText = 0x03;
constexpr std::uint8_t kTypeBlob = 0x04;
constexpr std::uint8_t kTypeNull = 0x05;

void PutBigEndian64(Bytes& out, std::uint64_t v) {
  for (int i = 7; i >= 0; --i)
    out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
}  // namespace

// SQLite's varint: big-endian groups of 7 bits, high bit set on all but the
// last byte; a 9-byte form carries 8 full bits in its last byte.
void ChangesetWriter::PutVarint(std::uint64_t v) {
  std::uint8_t buf[10];
  if (v & (std::uint64_t{0xff000000} << 32)) {
    buf[8] = static_cast<std::uint8_t>(v);
    v >>= 8;
    for (int i = 7; i >= 0; --i) {
      buf[i] = static_cast<std::uint8_t>((v & 0x7f) | 0x80);
      v >>= 7;
    }
    out_.insert(out_.end(), buf, buf + 9);
    return;
  }
  int n = 0;
  do {
    buf[n++] = static_cast<std::uint8_t>((v & 0x7f) | 0x80);
    v >>= 7;
  } while (v != 0);
  buf[0] &= 0x7f;
  for (int j = n - 1; j >= 0; --j) out_.push_back(buf[j]);
}

void ChangesetWriter::BeginTable(std::string_view table, int column_count) {
  const std::size_t start = out_.size();
  out_.push_back('T');
  PutVarint(static_cast<std::uint64_t>(column_count));
  for (int i = 0; i < column_count; ++i) out_.push_back(i == 0 ? 1 : 0);
  out_.insert(out_.end(), table.begin(), table.end());
  out_.push_back(0);
  table_header_.assign(out_.begin() + static_cast<std::ptrdiff_t>(start),
                       out_.end());
}

void ChangesetWriter::BeginInsert() {
  out_.push_back(SQLITE_INSERT);
  out_.push_back(0);  // not indirect
  ++records_;
}

void ChangesetWriter::BeginDelete() {
  out_.push_back(SQLITE_DELETE);
  out_.push_back(0);
  ++records_;
}

void ChangesetWriter::AddNull() { out_.push_back(kTypeNull); }

void ChangesetWriter::AddInt(std::int64_t value) {
  out_.push_back(kTypeInteger);
  PutBigEndian64(out_, static_cast<std::uint64_t>(value));
}

void ChangesetWriter::AddDouble(double value) {
  out_.push_back(kTypeFloat);
  std::uint64_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  PutBigEndian64(out_, bits);
}

void ChangesetWriter::AddText(std::string_view text) {
  out_.push_back(kTypeText);
  PutVarint(text.size());
  out_.insert(out_.end(), text.begin(), text.end());
}

void ChangesetWriter::AddBlob(ByteView blob) {
  out_.push_back(kTypeBlob);
  PutVarint(blob.size());
  out_.insert(out_.end(), blob.begin(), blob.end());
}

void ChangesetWriter::AddValue(sqlite3_value* value) {
  switch (sqlite3_value_type(value)) {
    case SQLITE_INTEGER:
      AddInt(sqlite3_value_int64(value));
      break;
    case SQLITE_FLOAT:
      AddDouble(sqlite3_value_double(value));
      break;
    case SQLITE_TEXT: {
      const auto* text = sqlite3_value_text(value);
      AddText(std::string_view(reinterpret_cast<const char*>(text),
                               sqlite3_value_bytes(value)));
      break;
    }
    case SQLITE_BLOB: {
      const auto* data =
          static_cast<const std::uint8_t*>(sqlite3_value_blob(value));
      AddBlob(ByteView(data, data ? sqlite3_value_bytes(value) : 0));
      break;
    }
    default:
      AddNull();
  }
}

Bytes ChangesetWriter::Finish() {
  records_ = 0;
  table_header_.clear();
  return std::exchange(out_, Bytes());
}

Bytes ChangesetWriter::SplitAt(std::size_t end, std::size_t kept_records,
                               bool repeat_header) {
  Bytes next;
  if (repeat_header) next = table_header_;
  next.insert(next.end(), out_.begin() + static_cast<std::ptrdiff_t>(end),
              out_.end());
  out_.resize(end);
  records_ = kept_records;
  return std::exchange(out_, std::move(next));
}

}  // namespace coven::changeset
