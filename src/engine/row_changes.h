// The rows a changeset changes, as the RowChange events an application
// hears (include/coven/changeset.h).
#ifndef COVEN_ENGINE_ROW_CHANGES_H_
#define COVEN_ENGINE_ROW_CHANGES_H_

#include <vector>

#include "coven/bytes.h"
#include "coven/changeset.h"
#include "coven/status.h"
#include "engine/table_schema.h"

namespace coven::engine {

/// One RowChange per record of `changeset` (an INSERT is an upsert, a
/// DELETE a deletion), with `remote` as given. Records of tables not in
/// `tables` are skipped. kDataLoss if the changeset is corrupt.
Result<std::vector<changeset::RowChange>> RowChangesOf(
    ByteView changeset, const std::vector<TableSchema>& tables, bool remote);

}  // namespace coven::engine

#endif  // COVEN_ENGINE_ROW_CHANGES_H_
