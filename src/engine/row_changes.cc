#include "engine/row_changes.h"

#include <sqlite3.h>

#include <string_view>

#include "changeset/changeset_iter.h"

namespace coven::engine {

Result<std::vector<changeset::RowChange>> RowChangesOf(
    ByteView data, const std::vector<TableSchema>& tables, bool remote) {
  std::vector<changeset::RowChange> changes;
  changeset::ChangesetIter it(data);
  const TableSchema* table = nullptr;
  while (true) {
    COVEN_ASSIGN_OR_RETURN(bool more, it.Next());
    if (!more) return changes;
    if (table == nullptr || table->name != it.table()) {
      table = nullptr;
      for (const TableSchema& candidate : tables) {
        if (candidate.name == it.table()) table = &candidate;
      }
    }
    if (table == nullptr || table->updated_at < 0) continue;
    const bool insert = it.op() == SQLITE_INSERT;
    auto value = [&](int col) { return insert ? it.New(col) : it.Old(col); };
    changes.push_back({table->name, changeset::ValueToText(value(0)),
                       insert ? changeset::RowChange::Op::kUpsert
                              : changeset::RowChange::Op::kDelete,
                       changeset::ValueToText(value(table->updated_at)),
                       remote});
  }
}

}  // namespace coven::engine
