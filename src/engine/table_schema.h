// Synced-table schemas: validation, and the keyed schema fingerprint that
// objects carry (schema_version).
#ifndef COVEN_ENGINE_TABLE_SCHEMA_H_
#define COVEN_ENGINE_TABLE_SCHEMA_H_

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <vector>

#include "coven/bytes.h"
#include "coven/status.h"
#include "crypto/crypto.h"

namespace coven::engine {

struct ColumnInfo {
  std::string name;
  std::string type;  ///< Declared type, uppercased.
  bool not_null = false;
  bool primary_key = false;
};

/// A UNIQUE constraint or unique index (other than the primary key).
struct UniqueKey {
  std::string index;                    ///< The index's name.
  std::vector<int> columns;             ///< Column positions.
  std::vector<std::string> collations;  ///< One per column.
  /// False for partial indexes and indexes on expressions: coven cannot name
  /// the rows such an index compares, so it does not arbitrate their clashes.
  bool plain = true;
};

struct TableSchema {
  std::string name;
  std::vector<ColumnInfo> columns;
  int updated_at = -1;            ///< Index of `_updated_at`.
  bool has_foreign_keys = false;  ///< Has a parent (is a child table).
  bool is_parent = false;         ///< Another synced table references it.
  /// UNIQUE constraints and unique indexes, for constraint clashes.
  std::vector<UniqueKey> unique_keys;
};

/// Loads and validates one synced table. Requirements (each violation is
/// kFailedPrecondition naming the table and the fix): the table exists, is a
/// regular table (not a view or virtual table), column 0 is `id` with declared
/// type TEXT and is the only PRIMARY KEY column, a column `_updated_at` of
/// type TEXT NOT NULL exists, and no column is named with a `_coven_` prefix.
Result<TableSchema> LoadTableSchema(sqlite3* db, const std::string& table);

/// Loads every table, in order, rejecting duplicates and an empty list.
Result<std::vector<TableSchema>> LoadSyncedSchema(
    sqlite3* db, const std::vector<std::string>& tables);

/// BLAKE2b-256 of the synced tables' names, column names and types,
/// order-sensitive. It stays on the device: objects carry SchemaVersion.
crypto::Hash256 SchemaDigest(const std::vector<TableSchema>& tables);

/// The schema_version of an object sealed with `key`: the first 4 bytes,
/// big-endian, of BLAKE2b-256(key = key.schema_key(), u32 label length ||
/// "coven/schema-version/v1" || `digest`). Keyed, so that whoever holds the
/// storage cannot confirm a guessed schema. Devices exchange objects only
/// when the versions under the object's key are equal.
std::uint32_t SchemaVersion(const crypto::LibraryKey& key,
                            const crypto::Hash256& digest);

/// Says how the tables a changeset writes differ from `tables`, by name and
/// column count (e.g. "table todos has 5 columns there, 4 here (id, title,
/// completed, _updated_at)"); when the changeset shows no difference, lists
/// the local tables and columns (the difference is in names or types).
std::string DescribeSchemaDifference(ByteView changeset,
                                     const std::vector<TableSchema>& tables);

}  // namespace coven::engine

#endif  // COVEN_ENGINE_TABLE_SCHEMA_H_
