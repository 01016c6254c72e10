// Big-endian encoding helpers for the sealed-object format.
//
// Writer appends to a Bytes buffer. Reader consumes a ByteView and never reads
// past its end: every Read* returns false (and consumes nothing) when fewer
// bytes remain than requested.
//
// Thread safety: plain values; one object per thread.
#ifndef COVEN_OBJECT_WIRE_H_
#define COVEN_OBJECT_WIRE_H_

#include <array>
#include <cstdint>
#include <cstring>

#include "coven/bytes.h"

namespace coven::object::wire {

inline void PutU8(Bytes& out, std::uint8_t value) { out.push_back(value); }

inline void PutU16(Bytes& out, std::uint16_t value) {
  out.push_back(static_cast<std::uint8_t>(value >> 8));
  out.push_back(static_cast<std::uint8_t>(value));
}

inline void PutU32(Bytes& out, std::uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) {
    out.push_back(static_cast<std::uint8_t>(value >> shift));
  }
}

inline void PutU64(Bytes& out, std::uint64_t value) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    out.push_back(static_cast<std::uint8_t>(value >> shift));
  }
}

inline void PutBytes(Bytes& out, ByteView bytes) {
  out.insert(out.end(), bytes.begin(), bytes.end());
}

inline std::array<std::uint8_t, 4> U32Bytes(std::uint32_t value) {
  return {static_cast<std::uint8_t>(value >> 24),
          static_cast<std::uint8_t>(value >> 16),
          static_cast<std::uint8_t>(value >> 8),
          static_cast<std::uint8_t>(value)};
}

inline std::uint64_t LoadU64(const std::uint8_t* p) {
  std::uint64_t value = 0;
  for (int i = 0; i < 8; ++i) value = value << 8 | p[i];
  return value;
}

/// Bounds-checked sequential reader over a byte view.
class Reader {
 public:
  explicit Reader(ByteView data) : data_(data) {}

  std::size_t offset() const { return offset_; }
  std::size_t remaining() const { return data_.size() - offset_; }

  bool ReadU8(std::uint8_t* out) {
    if (remaining() < 1) return false;
    *out = data_[offset_++];
    return true;
  }
  bool ReadU16(std::uint16_t* out) {
    if (remaining() < 2) return false;
    *out = static_cast<std::uint16_t>(data_[offset_] << 8 | data_[offset_ + 1]);
    offset_ += 2;
    return true;
  }
  bool ReadU32(std::uint32_t* out) {
    if (remaining() < 4) return false;
    std::uint32_t value = 0;
    for (int i = 0; i < 4; ++i) value = value << 8 | data_[offset_ + i];
    offset_ += 4;
    *out = value;
    return true;
  }
  bool ReadU64(std::uint64_t* out) {
    if (remaining() < 8) return false;
    *out = LoadU64(data_.data() + offset_);
    offset_ += 8;
    return true;
  }
  template <std::size_t N>
  bool ReadArray(std::array<std::uint8_t, N>* out) {
    if (remaining() < N) return false;
    std::memcpy(out->data(), data_.data() + offset_, N);
    offset_ += N;
    return true;
  }
  /// Borrows the next `size` bytes.
  bool ReadView(std::size_t size, ByteView* out) {
    if (remaining() < size) return false;
    *out = data_.subspan(offset_, size);
    offset_ += size;
    return true;
  }

 private:
  ByteView data_;
  std::size_t offset_ = 0;
};

}  // namespace coven::object::wire

#endif  // COVEN_OBJECT_WIRE_H_
