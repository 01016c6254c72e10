// Applies remote changesets with row-level last-writer-wins (docs/merge.md).
//
// Every incoming changeset is first validated by an iterator pass that never
// touches the database (SQLite 3.40.1's apply can crash on malformed input).
// Then sqlite3changeset_apply_v2 runs inside the caller's transaction with a
// conflict handler that compares `_updated_at` stamps:
//   INSERT (a whole row) over an existing row: newer stamp wins; the handler
//     rewrites the row with an UPDATE (never REPLACE, which would delete and
//     re-insert and fire ON DELETE CASCADE) and omits the change.
//   INSERT over a tombstone at least as new: dropped before apply.
//   DELETE: removes the row only if the deletion stamp is newer than the
//     row's; the tombstone is kept either way (max stamp).
// Rows whose parent row is missing (a concurrent parent delete) are parked,
// not lost, and restored when the parent returns. A version that clashes
// with a constraint (UNIQUE, CHECK) is held in _coven_lost and settled by
// ReconcileLost: the later claim keeps a unique value on every device.
//
// Thread safety: none; the caller holds the SyncDb write mutex.
#ifndef COVEN_ENGINE_APPLIER_H_
#define COVEN_ENGINE_APPLIER_H_

#include <sqlite3.h>

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "coven/bytes.h"
#include "coven/changeset.h"
#include "coven/hlc.h"
#include "coven/status.h"
#include "db/sql.h"
#include "engine/hlc_clock.h"
#include "engine/stamp_context.h"
#include "engine/table_schema.h"

namespace coven::engine {

struct ApplyStats {
  std::size_t records = 0;
  std::size_t applied = 0;
  std::vector<changeset::RowChange> changes;
  std::vector<std::string> notes;  ///< Constraint clashes and similar.
};

class Applier {
 public:
  Applier(sqlite3* db, const std::vector<TableSchema>* tables,
          StampContext* stamps, HlcClock* hlc);

  /// Checks a changeset without touching the database: only INSERT/DELETE
  /// records of synced tables with the local column count and primary key,
  /// every value defined, TEXT ids, valid `_updated_at` stamps by `author`
  /// within [hlc_min, hlc_max]. kInvalidArgument names the first problem;
  /// kFailedPrecondition when stamps are too far in the future (hold, retry).
  Status Validate(ByteView changeset, std::uint64_t author, const Hlc& hlc_min,
                  const Hlc& hlc_max);

  /// Applies a validated changeset inside the caller's transaction.
  /// Foreign keys must be switched off by the caller for the duration (so
  /// cascades do not fire); call Reconcile afterwards.
  Result<ApplyStats> Apply(ByteView changeset);

  /// Apply's follow-up, once after one or more Apply calls: ReconcileParked
  /// (which settles held rows too) when the host enforces foreign keys,
  /// otherwise ReconcileLost. Rows it moves go to `changes`, held rows and
  /// rows that came back to `notes`.
  Status Reconcile(bool foreign_keys,
                   std::vector<changeset::RowChange>* changes,
                   std::vector<std::string>* notes);

  /// Whether Apply lists the rows it changed (ApplyStats::changes). Off saves
  /// a pass over large changesets when nobody listens.
  void set_collect_changes(bool collect) { collect_changes_ = collect; }

  /// Parks rows that lost their parent and restores parked rows whose parent
  /// is back. Only when the host enforces foreign keys. Does nothing (no
  /// table scan) when no row is parked and the last validated changeset
  /// touched no table with a foreign-key relation.
  Status ReconcileParked(std::vector<changeset::RowChange>* changes,
                         std::vector<std::string>* notes);

  /// Settles the rows held in _coven_lost (docs/merge.md, "Constraint
  /// clashes"), until nothing moves. `moved`: whether a table row changed.
  Status ReconcileLost(std::vector<changeset::RowChange>* changes,
                       std::vector<std::string>* notes, bool* moved);

  /// Whether the last validated changeset touches a table with a foreign-key
  /// relation. A caller that applies several changesets before one
  /// ReconcileParked raises it for all of them with
  /// `mark_touches_foreign_keys`.
  bool touches_foreign_keys() const { return validated_touches_foreign_keys_; }
  void mark_touches_foreign_keys() { validated_touches_foreign_keys_ = true; }

  // Used by the conflict handler.
  int OnConflict(int type, sqlite3_changeset_iter* it);

 private:
  const TableSchema* Find(const char* table) const;
  Result<db::Stmt*> UpdateStatement(const TableSchema& table);
  Result<Bytes> DropDominated(ByteView changeset, bool* changed);
  // _coven_lost (lost_rows.cc).
  struct HeldRow;
  Status HoldLost(const TableSchema& table, const std::string& id,
                  const std::string& stamp, ByteView change,
                  const std::string& reason);
  Status HoldIncoming(const TableSchema& table, sqlite3_changeset_iter* it,
                      int columns, const std::string& id,
                      const std::string& reason);
  Status SetLostReason(const std::string& table, const std::string& id,
                       const std::string& reason);
  Status DropLost(const std::string& table, const std::string& id);
  Result<bool> SettleHeld(const HeldRow& held,
                          std::vector<changeset::RowChange>* changes,
                          std::vector<std::string>* notes);

  sqlite3* db_;
  const std::vector<TableSchema>* tables_;
  StampContext* stamps_;
  HlcClock* hlc_;
  std::map<std::string, db::Stmt> updates_;
  bool collect_changes_ = true;
  // DELETE records seen by the last Validate (SIZE_MAX: unknown).
  std::size_t validated_deletes_ = SIZE_MAX;
  std::size_t validated_records_ = 0;
  Hlc validated_newest_;
  bool validated_touches_foreign_keys_ = true;
  // Per Apply call:
  Status handler_error_;
  std::map<std::string, std::set<std::string>> omitted_;  // table -> ids
  std::vector<std::string> notes_;
  // Rows held since the last ReconcileLost (reported by it).
  std::set<std::pair<std::string, std::string>> fresh_lost_;
};

}  // namespace coven::engine

#endif  // COVEN_ENGINE_APPLIER_H_
