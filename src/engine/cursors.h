// Cursor rows (sync_cursors): how far each remote author has been applied.
#ifndef COVEN_ENGINE_CURSORS_H_
#define COVEN_ENGINE_CURSORS_H_

#include <sqlite3.h>

#include "engine/sync_engine.h"

namespace coven::engine {

/// The cursor of `author`; a zero cursor when none is stored.
Result<SyncEngine::Cursor> LoadCursor(sqlite3* db, std::uint64_t author);

/// Stores the cursor; `key` null keeps the pinned public key.
Status SaveCursor(sqlite3* db, std::uint64_t author, std::uint64_t seq,
                  const crypto::Hash256& hash, const crypto::PublicKey* key);

/// True for the all-zero hash ("unknown": after a quarantined object).
bool IsZeroHash(const crypto::Hash256& hash);

}  // namespace coven::engine

#endif  // COVEN_ENGINE_CURSORS_H_
