// Pieces shared by the files of Capture (capture.cc, capture_scan.cc).
#ifndef COVEN_ENGINE_CAPTURE_INTERNAL_H_
#define COVEN_ENGINE_CAPTURE_INTERNAL_H_

#include <sqlite3.h>

#include <string>

#include "changeset/changeset_iter.h"
#include "changeset/changeset_writer.h"
#include "coven/changeset.h"
#include "db/sql.h"
#include "engine/capture.h"
#include "engine/table_schema.h"

namespace coven::engine {

// Rows per page of a stamp scan; restamps run between pages.
inline constexpr int kScanPage = 512;

// Statements of one table, prepared for the duration of one Collect.
struct Capture::TableStatements {
  db::Stmt read;     // SELECT * ... WHERE id = ?
  db::Stmt restamp;  // UPDATE ... SET _updated_at = ? WHERE id = ?
};

namespace capture_internal {

inline std::string ValueText(sqlite3_value* value) {
  return changeset::ValueToText(value);
}

// Writes one whole row: `values(c)` for every column, `stamp` in the
// `_updated_at` column.
template <typename Values>
inline void WriteRow(changeset::ChangesetWriter& writer,
                     const TableSchema& table, const std::string& stamp,
                     Values values) {
  const int ncol = static_cast<int>(table.columns.size());
  for (int c = 0; c < ncol; ++c) {
    if (c == table.updated_at) {
      writer.AddText(stamp);
    } else {
      writer.AddValue(values(c));
    }
  }
}

inline std::string NotTextWarning(const TableSchema& table, sqlite3_value* id) {
  return "table " + table.name + ": row id " + ValueText(id) +
         " is not TEXT; it does not sync";
}

}  // namespace capture_internal

}  // namespace coven::engine

#endif  // COVEN_ENGINE_CAPTURE_INTERNAL_H_
