// PgArray: a one-dimensional PostgreSQL array parameter in the binary wire
// format (array_recv), so a statement can take a whole group's values in
// one parameter: `unnest($1::int8[], ...)`. Elements are never NULL.
//
//   int32 ndim (1), int32 has_nulls (0), int32 element type OID,
//   int32 length, int32 lower bound (1), then per element: int32 byte
//   count and the element's binary form (int8: 8 bytes big-endian; bool:
//   1 byte; text and bytea: the bytes).
#ifndef COVEN_HUB_STORE_PG_ARRAY_H_
#define COVEN_HUB_STORE_PG_ARRAY_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "coven/bytes.h"

namespace coven::hub::store {

class PgArray {
 public:
  /// Element type OIDs (pg_type.dat).
  enum class Type : std::uint32_t {
    kBool = 16,
    kBytea = 17,
    kInt8 = 20,
    kText = 25,
  };

  explicit PgArray(Type type);

  PgArray& Add(ByteView bytes);  ///< bytea (or text) element.
  PgArray& AddText(std::string_view text);
  PgArray& AddInt(std::int64_t value);
  PgArray& AddBool(bool value);

  std::size_t size() const { return count_; }
  /// The parameter's bytes (send with format 1, binary). Moves them out:
  /// call once, after the last Add.
  std::string Encode() &&;

 private:
  void AddElement(const void* data, std::size_t size);

  std::size_t count_ = 0;
  std::string bytes_;  // The header (its length patched by Encode), then
                       // the elements.
};

}  // namespace coven::hub::store

#endif  // COVEN_HUB_STORE_PG_ARRAY_H_
