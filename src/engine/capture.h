// Change capture on the host's write connection (docs/capture.md).
//
// A preupdate hook on the host connection notes which rows of the synced
// tables change (their primary keys); TEMP triggers record a tombstone (with
// an HLC stamp) for every delete in the same transaction as the delete.
// Collect() turns the noted keys into full row images, read from the live
// tables, inside the flush transaction that also writes the outbox, and
// streams them into a PartWriter, which cuts them into objects of bounded
// size.
//
// Cost per row written: the hook reads the row's new `_updated_at`; a row
// stamped by this device after the last flush (what coven_hlc() writes) is
// one the flush can find by a scan of the stamps, so once more than
// key_limit bytes of such keys are noted the hook stops noting them and
// the flush scans instead ("scan mode"). Keys of rows that a stamp scan
// cannot find (an UPDATE that leaves `_updated_at` alone, a foreign stamp,
// a delete) are always noted, up to the same bound; above it the hook
// stops noting anything ("overflow", see the limit in docs/capture.md).
//
// Crash safety: the noted keys live in memory, so a crash can lose them.
// Every row a device writes carries its own HLC stamp in `_updated_at` and
// every delete leaves a tombstone row, both committed with the host's
// transaction. After an unclean stop, Collect(recover_after) rescans the
// synced tables for stamps of this device newer than the last flush, so no
// committed write is lost. A flush that fails keeps the keys (Resume), so
// the next flush retries the same rows.
//
// Thread safety: none; the caller holds the SyncDb write mutex (the hook
// runs inside the host's writes, which hold it too).
#ifndef COVEN_ENGINE_CAPTURE_H_
#define COVEN_ENGINE_CAPTURE_H_

#include <sqlite3.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "coven/bytes.h"
#include "coven/hlc.h"
#include "coven/status.h"
#include "db/sql.h"
#include "engine/flush_parts.h"
#include "engine/hlc_clock.h"
#include "engine/stamp_context.h"
#include "engine/table_schema.h"

namespace coven::engine {

/// Default bound on the memory of the noted keys (an estimate: key bytes
/// plus a fixed overhead per key).
inline constexpr std::size_t kDefaultSessionLimit = std::size_t{8} << 20;

/// What one flush collects besides the session.
struct CollectOptions {
  /// Also ship every row stamped by this device after this stamp (crash
  /// recovery, a first start).
  std::optional<Hlc> recover_after;
  /// Deletions are always read from the tombstone table (stamps of this
  /// device after this one): the session reports nothing for a row inserted
  /// and deleted between two flushes, yet other devices may hold that row
  /// and must learn of the deletion.
  Hlc tombstones_after;
  /// With recover_after: also ship rows stamped by other devices or not
  /// stamped at all (first start over pre-existing data); they are
  /// restamped.
  bool include_foreign = false;
};

class Capture {
 public:
  Capture(sqlite3* db, std::vector<TableSchema> tables, HlcClock* hlc,
          StampContext* stamps);
  ~Capture();
  Capture(const Capture&) = delete;
  Capture& operator=(const Capture&) = delete;

  /// Registers coven_hlc() and coven_delete_stamp() and creates the TEMP
  /// delete triggers. Idempotent.
  Status Install();

  /// Installs the preupdate hook with nothing noted (no-op if installed).
  /// It replaces any preupdate hook of the connection (the host must not
  /// set its own) and must not be combined with a sqlite3session on it.
  Status Attach();

  /// Removes the hook and forgets what it noted.
  void Detach();

  /// Pauses the hook (the flush's own writes are not noted) and writes full
  /// row images of everything to ship into `out`: rows whose keys were
  /// noted, rows stamped by this device after the last flush in scan mode,
  /// after an overflow or when `options.recover_after` is set, and this
  /// device's new tombstones. Each row is written once. Must run inside the
  /// caller's write transaction. Afterwards the caller either commits and
  /// calls Restart(), or rolls back and calls Resume().
  Status Collect(const CollectOptions& options, PartWriter* out);
  /// After a committed flush: nothing noted, the hook on.
  Status Restart();
  /// After a failed flush: the hook notes again and keeps what it had, so
  /// the next flush retries the same rows.
  void Resume();

  /// True when nothing was written to a synced table since Attach.
  bool SessionEmpty() const;
  /// True when the hook stopped noting keys (over its bound) since Attach:
  /// the next flush scans for this device's stamps.
  bool overflowed() const { return overflowed_; }
  void set_session_limit(std::size_t bytes) { session_limit_ = bytes; }

 private:
  struct TableStatements;
  Status ScanTable(const TableSchema& table, const Hlc& floor,
                   bool include_foreign, PartWriter* out);
  Result<std::size_t> ShipTombstones(
      const Hlc& floor, const std::function<bool(const std::string&)>& covered,
      PartWriter* out);
  Result<bool> ShouldScan();
  Status ShipNoted(bool scanned, const Hlc& tombstone_floor,
                   bool check_tombstones,
                   const std::function<bool(const std::string&)>& covered,
                   PartWriter* out);
  static void Hook(void* self, sqlite3* db, int op, const char* db_name,
                   const char* table, sqlite3_int64, sqlite3_int64);
  void Note(int op, const char* table);
  void NoteKey(std::size_t table, sqlite3_value* id, std::uint8_t flags);
  Result<TableStatements*> Statements(const TableSchema& table);
  Result<std::optional<Hlc>> TombstoneOf(const TableSchema& table,
                                         const std::string& id);
  std::optional<Hlc> OwnStamp(std::string_view text) const;
  const TableSchema* Find(std::string_view name) const;

  sqlite3* db_;
  std::vector<TableSchema> tables_;
  HlcClock* hlc_;
  StampContext* stamps_;
  // What the hook noted since Attach, per table (same order as tables_):
  // keys of rows left with a fresh own stamp, appended (duplicates allowed;
  // no allocation per key), and every other key with its NoteFlags.
  struct StampedKeys {
    std::string bytes;
    std::vector<std::uint32_t> ends;
  };
  std::vector<StampedKeys> stamped_;
  std::vector<std::unordered_map<std::string, std::uint8_t>> noted_;
  std::size_t noted_bytes_ = 0;  // estimate, against session_limit_
  std::vector<std::string> noted_warnings_;
  Hlc floor_;                // own stamps above it are found by a scan
  bool attached_ = false;    // the hook is installed
  bool recording_ = false;   // and notes (off during Collect)
  bool touched_ = false;     // some synced row changed since Attach
  bool scan_mode_ = false;   // stamped keys no longer noted
  bool overflowed_ = false;  // nothing noted any more
  std::size_t session_limit_ = kDefaultSessionLimit;
  std::map<std::string, std::unique_ptr<TableStatements>> statements_;
  std::optional<db::Stmt> tombstone_lookup_;
};

}  // namespace coven::engine

#endif  // COVEN_ENGINE_CAPTURE_H_
