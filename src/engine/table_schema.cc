#include "engine/table_schema.h"

#include <algorithm>
#include <set>

#include "changeset/changeset_iter.h"
#include "crypto/crypto.h"
#include "db/sql.h"

namespace coven::engine {

namespace {
std::string Upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return std::toupper(c); });
  return s;
}

Status Reject(const std::string& table, const std::string& what) {
  return FailedPreconditionError("synced table `" + table + "`: " + what);
}

Status LoadUniqueKeys(sqlite3* db, TableSchema* schema) {
  COVEN_ASSIGN_OR_RETURN(
      db::Stmt list,
      db::Stmt::Prepare(db,
                        "SELECT name, partial FROM pragma_index_list(?) "
                        "WHERE \"unique\" = 1 AND origin <> 'pk' ORDER BY "
                        "name"));
  COVEN_ASSIGN_OR_RETURN(
      db::Stmt columns,
      db::Stmt::Prepare(db,
                        "SELECT cid, coll FROM pragma_index_xinfo(?) WHERE "
                        "key = 1 ORDER BY seqno"));
  list.Bind(1, schema->name);
  while (true) {
    COVEN_ASSIGN_OR_RETURN(bool row, list.Step());
    if (!row) break;
    UniqueKey key;
    key.index = list.ColumnText(0);
    key.plain = list.ColumnInt(1) == 0;
    columns.Bind(1, key.index);
    while (true) {
      COVEN_ASSIGN_OR_RETURN(bool col, columns.Step());
      if (!col) break;
      const std::int64_t cid = columns.ColumnInt(0);
      if (cid < 0) key.plain = false;
      key.columns.push_back(static_cast<int>(cid));
      key.collations.push_back(columns.ColumnText(1));
    }
    columns.Reset();
    schema->unique_keys.push_back(std::move(key));
  }
  return Status::Ok();
}
}  // namespace

Result<TableSchema> LoadTableSchema(sqlite3* db, const std::string& table) {
  COVEN_ASSIGN_OR_RETURN(
      db::Stmt kind,
      db::Stmt::Prepare(db,
                        "SELECT type, sql FROM sqlite_schema WHERE name = ?"));
  kind.Bind(1, table);
  COVEN_ASSIGN_OR_RETURN(bool found, kind.Step());
  if (!found) {
    return Reject(table,
                  "no such table; create it before calling "
                  "set_synced_tables");
  }
  std::string sql = Upper(kind.ColumnText(1));
  if (kind.ColumnText(0) != "table" ||
      sql.find("VIRTUAL TABLE") != std::string::npos) {
    return Reject(table,
                  "is not an ordinary table (views and virtual tables "
                  "cannot be captured)");
  }
  TableSchema schema;
  schema.name = table;
  COVEN_ASSIGN_OR_RETURN(
      db::Stmt info,
      db::Stmt::Prepare(db,
                        "SELECT name, type, \"notnull\", pk FROM "
                        "pragma_table_info(?) ORDER BY cid"));
  info.Bind(1, table);
  int pk_columns = 0;
  while (true) {
    COVEN_ASSIGN_OR_RETURN(bool row, info.Step());
    if (!row) break;
    ColumnInfo col;
    col.name = info.ColumnText(0);
    col.type = Upper(info.ColumnText(1));
    col.not_null = info.ColumnInt(2) != 0;
    col.primary_key = info.ColumnInt(3) != 0;
    if (col.primary_key) ++pk_columns;
    if (col.name.rfind("_coven_", 0) == 0) {
      return Reject(table, "column `" + col.name +
                               "` uses the reserved `_coven_` prefix");
    }
    schema.columns.push_back(std::move(col));
  }
  if (schema.columns.empty() || schema.columns[0].name != "id" ||
      !schema.columns[0].primary_key || schema.columns[0].type != "TEXT") {
    return Reject(table,
                  "column 0 must be `id TEXT PRIMARY KEY` (coven keys "
                  "rows by a text id that every device agrees on)");
  }
  if (pk_columns != 1) {
    return Reject(table, "the primary key must be the single column `id`");
  }
  for (std::size_t i = 0; i < schema.columns.size(); ++i) {
    if (schema.columns[i].name == "_updated_at")
      schema.updated_at = static_cast<int>(i);
  }
  if (schema.updated_at < 0) {
    return Reject(table,
                  "missing column `_updated_at TEXT NOT NULL` (the "
                  "row's HLC stamp; write it with coven_hlc())");
  }
  const ColumnInfo& stamp = schema.columns[schema.updated_at];
  if (stamp.type != "TEXT" || !stamp.not_null) {
    return Reject(table, "`_updated_at` must be declared TEXT NOT NULL");
  }
  COVEN_ASSIGN_OR_RETURN(
      db::Stmt fks,
      db::Stmt::Prepare(db, "SELECT count(*) FROM pragma_foreign_key_list(?)"));
  fks.Bind(1, table);
  COVEN_ASSIGN_OR_RETURN(bool fk_row, fks.Step());
  schema.has_foreign_keys = fk_row && fks.ColumnInt(0) > 0;
  COVEN_RETURN_IF_ERROR(LoadUniqueKeys(db, &schema));
  return schema;
}

Result<std::vector<TableSchema>> LoadSyncedSchema(
    sqlite3* db, const std::vector<std::string>& tables) {
  if (tables.empty()) {
    return FailedPreconditionError(
        "no synced tables: call coven::sync::session::set_synced_tables (or "
        "set Config::synced_tables) with the tables to sync");
  }
  std::set<std::string> seen;
  std::vector<TableSchema> out;
  for (const std::string& table : tables) {
    if (!seen.insert(table).second) {
      return InvalidArgumentError("synced table `" + table + "` listed twice");
    }
    COVEN_ASSIGN_OR_RETURN(TableSchema schema, LoadTableSchema(db, table));
    out.push_back(std::move(schema));
  }
  COVEN_ASSIGN_OR_RETURN(db::Stmt parents,
                         db::Stmt::Prepare(db,
                                           "SELECT DISTINCT \"table\" FROM "
                                           "pragma_foreign_key_list(?)"));
  for (const TableSchema& child : out) {
    if (!child.has_foreign_keys) continue;
    parents.Bind(1, child.name);
    while (true) {
      COVEN_ASSIGN_OR_RETURN(bool row, parents.Step());
      if (!row) break;
      const std::string parent = parents.ColumnText(0);
      for (TableSchema& t : out) {
        if (t.name == parent) t.is_parent = true;
      }
    }
    parents.Reset();
  }
  return out;
}

crypto::Hash256 SchemaDigest(const std::vector<TableSchema>& tables) {
  crypto::Hasher hasher("coven/schema/v1");
  for (const TableSchema& table : tables) {
    std::string line = table.name + "(";
    for (const ColumnInfo& col : table.columns) {
      line += col.name + " " + col.type + (col.primary_key ? " PK" : "") + ",";
    }
    line += ");";
    hasher.Update(AsBytes(line));
  }
  return hasher.Final();
}

std::uint32_t SchemaVersion(const crypto::LibraryKey& key,
                            const crypto::Hash256& digest) {
  const crypto::Hash256 hash =
      crypto::Hasher("coven/schema-version/v1", key.schema_key())
          .Update(digest)
          .Final();
  return static_cast<std::uint32_t>(hash[0]) << 24 | hash[1] << 16 |
         hash[2] << 8 | hash[3];
}

namespace {

std::string ColumnList(const TableSchema& table) {
  std::string out;
  for (const ColumnInfo& c : table.columns) {
    out += (out.empty() ? "" : ", ") + c.name;
  }
  return out;
}

}  // namespace

std::string DescribeSchemaDifference(ByteView changeset,
                                     const std::vector<TableSchema>& tables) {
  std::string out;
  std::set<std::string> seen;
  changeset::ChangesetIter it(changeset);
  while (true) {
    Result<bool> row = it.Next();
    if (!row.ok() || !*row) break;
    const std::string name = it.table();
    if (!seen.insert(name).second) continue;
    const TableSchema* here = nullptr;
    for (const TableSchema& t : tables) {
      if (t.name == name) here = &t;
    }
    std::string line;
    if (here == nullptr) {
      line = "table " + name + " is synced there but not here";
    } else if (static_cast<std::size_t>(it.columns()) != here->columns.size()) {
      line = "table " + name + " has " + std::to_string(it.columns()) +
             " columns there, " + std::to_string(here->columns.size()) +
             " here (" + ColumnList(*here) + ")";
    }
    if (!line.empty()) out += (out.empty() ? "" : "; ") + line;
  }
  if (!out.empty()) return out;
  for (const TableSchema& t : tables) {
    out += (out.empty() ? "" : "; ") + t.name + "(" + ColumnList(t) + ")";
  }
  return "a column name or type differs; here: " + out;
}

}  // namespace coven::engine
