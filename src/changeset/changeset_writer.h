// Writes changesets in SQLite's binary changeset format (the format that
// sqlite3changeset_apply_v2 reads; see the comment at the top of SQLite's
// ext/session/sqlite3session.c and docs/format/changeset.md).
//
// coven ships only two record kinds, both with full row images:
//   INSERT: every column's new value (an upsert of the whole row);
//   DELETE: the primary key, NULL for other columns, and the deletion stamp in
//           the `_updated_at` column.
#ifndef COVEN_CHANGESET_CHANGESET_WRITER_H_
#define COVEN_CHANGESET_CHANGESET_WRITER_H_

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "coven/bytes.h"

namespace coven::changeset {

class ChangesetWriter {
 public:
  /// Starts a table section (table with `column_count` columns whose primary
  /// key is column 0). Call once per table, before its records.
  void BeginTable(std::string_view table, int column_count);

  /// Starts an INSERT record; follow with exactly column_count values.
  void BeginInsert();
  /// Starts a DELETE record; follow with exactly column_count values.
  void BeginDelete();

  void AddNull();
  void AddInt(std::int64_t value);
  void AddDouble(double value);
  void AddText(std::string_view text);
  void AddBlob(ByteView blob);
  /// Adds a copy of an SQLite value (any storage class).
  void AddValue(sqlite3_value* value);

  std::size_t size() const { return out_.size(); }
  std::size_t record_count() const { return records_; }
  bool empty() const { return records_ == 0; }
  /// Returns the changeset and resets the writer.
  Bytes Finish();
  /// Splits the changeset at byte `end`, a record boundary: returns the
  /// changeset before it and keeps the `kept_records` records after it as the
  /// start of the next changeset, behind a repeated header of the current
  /// table when `repeat_header` (false when `end` is that header's start).
  Bytes SplitAt(std::size_t end, std::size_t kept_records, bool repeat_header);

 private:
  void PutVarint(std::uint64_t value);
  Bytes out_;
  std::size_t records_ = 0;
  Bytes table_header_;  // the current table's header, for SplitAt
};

}  // namespace coven::changeset

#endif  // COVEN_CHANGESET_CHANGESET_WRITER_H_
