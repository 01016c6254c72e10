// Cursor rows (sync_cursors): how far each remote author has been applied.
#include "engine/cursors.h"

#include <algorithm>

#include "db/sql.h"

namespace coven::engine {

Result<SyncEngine::Cursor> LoadCursor(sqlite3* db, std::uint64_t author) {
  COVEN_ASSIGN_OR_RETURN(
      db::Stmt stmt,
      db::Stmt::Prepare(db,
                        "SELECT seq, hash, public_key FROM sync_cursors "
                        "WHERE author = ?"));
  stmt.Bind(1, DeviceIdToHex(author));
  COVEN_ASSIGN_OR_RETURN(bool row, stmt.Step());
  SyncEngine::Cursor cursor;
  if (!row) return cursor;
  cursor.seq = static_cast<std::uint64_t>(stmt.ColumnInt(0));
  Bytes hash = stmt.ColumnBlob(1);
  if (hash.size() == 32)
    std::copy(hash.begin(), hash.end(), cursor.hash.begin());
  Bytes key = stmt.ColumnBlob(2);
  if (key.size() == 32) {
    crypto::PublicKey pk;
    std::copy(key.begin(), key.end(), pk.begin());
    cursor.public_key = pk;
  }
  return cursor;
}

Status SaveCursor(sqlite3* db, std::uint64_t author, std::uint64_t seq,
                  const crypto::Hash256& hash, const crypto::PublicKey* key) {
  COVEN_ASSIGN_OR_RETURN(
      db::Stmt stmt,
      db::Stmt::Prepare(
          db,
          "INSERT INTO sync_cursors(author, seq, hash, public_key) "
          "VALUES(?1, ?2, ?3, coalesce(?4, x'')) ON "
          "CONFLICT(author) DO UPDATE SET seq = ?2, hash = ?3, "
          "public_key = coalesce(?4, public_key)"));
  stmt.Bind(1, DeviceIdToHex(author)).Bind(2, static_cast<std::int64_t>(seq));
  stmt.BindBlob(3, hash);
  if (key != nullptr) {
    stmt.BindBlob(4, *key);
  } else {
    stmt.BindNull(4);
  }
  return stmt.Run();
}

bool IsZeroHash(const crypto::Hash256& h) {
  for (auto b : h) {
    if (b != 0) return false;
  }
  return true;
}

}  // namespace coven::engine
