// RAII wrapper over sqlite3_changeset_iter.
#ifndef COVEN_CHANGESET_CHANGESET_ITER_H_
#define COVEN_CHANGESET_CHANGESET_ITER_H_

#include <sqlite3.h>

#include <string>

#include "coven/bytes.h"
#include "coven/status.h"

namespace coven::changeset {

class ChangesetIter {
 public:
  explicit ChangesetIter(ByteView changeset) : data_(changeset) {}
  /// Reads the changeset from a stream (sqlite3changeset_start_strm), so
  /// that only a small window of it is in memory at a time.
  using Input = int (*)(void* ctx, void* data, int* size);
  ChangesetIter(Input input, void* ctx) : input_(input), input_ctx_(ctx) {}
  ~ChangesetIter() {
    if (it_ != nullptr) sqlite3changeset_finalize(it_);
  }
  ChangesetIter(const ChangesetIter&) = delete;
  ChangesetIter& operator=(const ChangesetIter&) = delete;

  /// Advances. Returns true at a record, false at the end; an error if the
  /// changeset is corrupt.
  Result<bool> Next() {
    if (it_ == nullptr) {
      int rc;
      if (input_ != nullptr) {
        rc = sqlite3changeset_start_strm(&it_, input_, input_ctx_);
      } else {
        if (data_.empty()) return false;
        rc = sqlite3changeset_start(&it_, static_cast<int>(data_.size()),
                                    const_cast<std::uint8_t*>(data_.data()));
      }
      if (rc != SQLITE_OK) return Corrupt(rc);
    }
    int rc = sqlite3changeset_next(it_);
    if (rc == SQLITE_ROW) {
      sqlite3changeset_op(it_, &table_, &columns_, &op_, &indirect_);
      return true;
    }
    if (rc == SQLITE_DONE) return false;
    return Corrupt(rc);
  }

  const char* table() const { return table_; }
  int columns() const { return columns_; }
  int op() const { return op_; }
  sqlite3_changeset_iter* get() const { return it_; }

  /// New value of column `col` (INSERT), nullptr when undefined.
  sqlite3_value* New(int col) const {
    sqlite3_value* v = nullptr;
    return sqlite3changeset_new(it_, col, &v) == SQLITE_OK ? v : nullptr;
  }
  /// Old value of column `col` (DELETE), nullptr when undefined.
  sqlite3_value* Old(int col) const {
    sqlite3_value* v = nullptr;
    return sqlite3changeset_old(it_, col, &v) == SQLITE_OK ? v : nullptr;
  }

 private:
  Status Corrupt(int rc) const {
    return InvalidArgumentError(std::string("malformed changeset (") +
                                sqlite3_errstr(rc) + ")");
  }
  ByteView data_;
  Input input_ = nullptr;
  void* input_ctx_ = nullptr;
  sqlite3_changeset_iter* it_ = nullptr;
  const char* table_ = nullptr;
  int columns_ = 0;
  int op_ = 0;
  int indirect_ = 0;
};

/// Text of a value ("" for NULL).
inline std::string ValueToText(sqlite3_value* value) {
  const unsigned char* text = value ? sqlite3_value_text(value) : nullptr;
  return text ? std::string(reinterpret_cast<const char*>(text),
                            sqlite3_value_bytes(value))
              : std::string();
}

}  // namespace coven::changeset

#endif  // COVEN_CHANGESET_CHANGESET_ITER_H_
