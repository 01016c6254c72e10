#include "hub/store/pg_array.h"

#include <utility>

namespace coven::hub::store {
namespace {

constexpr std::size_t kLengthOffset = 12;  // ndim, has_nulls, type, length

void AppendU32(std::string& out, std::uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((value >> shift) & 0xff));
  }
}

}  // namespace

PgArray::PgArray(Type type) {
  AppendU32(bytes_, 1);  // ndim
  AppendU32(bytes_, 0);  // has_nulls
  AppendU32(bytes_, static_cast<std::uint32_t>(type));
  AppendU32(bytes_, 0);  // length, patched by Encode
  AppendU32(bytes_, 1);  // lower bound
}

void PgArray::AddElement(const void* data, std::size_t size) {
  AppendU32(bytes_, static_cast<std::uint32_t>(size));
  bytes_.append(static_cast<const char*>(data), size);
  ++count_;
}

PgArray& PgArray::Add(ByteView bytes) {
  AddElement(bytes.data(), bytes.size());
  return *this;
}

PgArray& PgArray::AddText(std::string_view text) {
  AddElement(text.data(), text.size());
  return *this;
}

PgArray& PgArray::AddInt(std::int64_t value) {
  char bytes[8];
  const auto bits = static_cast<std::uint64_t>(value);
  for (int i = 0; i < 8; ++i) {
    bytes[i] = static_cast<char>((bits >> (56 - 8 * i)) & 0xff);
  }
  AddElement(bytes, sizeof bytes);
  return *this;
}

PgArray& PgArray::AddBool(bool value) {
  const char byte = value ? 1 : 0;
  AddElement(&byte, 1);
  return *this;
}

std::string PgArray::Encode() && {
  std::string length;
  AppendU32(length, static_cast<std::uint32_t>(count_));
  bytes_.replace(kLengthOffset, length.size(), length);
  return std::move(bytes_);
}

}  // namespace coven::hub::store
