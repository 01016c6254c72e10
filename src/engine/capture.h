// Change capture on the host's write connection (docs/capture.md).
//
// A SQLite session attached to the host connection records which rows of the
// synced tables change; TEMP triggers record a tombstone (with an HLC stamp)
// for every delete in the same transaction as the delete. Collect() turns the
// session into full row images, read from the live tables, inside the flush
// transaction that also writes the outbox, and streams them into a
// PartWriter, which cuts them into objects of bounded size.
//
// Memory: the session records every row a transaction touches, so it is
// bounded: once it holds more than session_limit bytes it stops recording
// (it "overflows") and the flush finds the rest by a streaming scan of the
// rows stamped by this device after the last flush. The bound is checked by
// SQLite's progress handler on the connection (every kProgressOps virtual
// machine instructions, so every write statement, whoever prepared it,
// passes a check), not by anything run per row. The session's changeset is
// streamed through a spill file, never held whole.
//
// Crash safety: the session lives in memory, so a crash can lose it. Every
// row a device writes carries its own HLC stamp in `_updated_at` and every
// delete leaves a tombstone row, both committed with the host's transaction.
// After an unclean stop, Collect(recover_after) rescans the synced tables for
// stamps of this device newer than the last flush, so no committed write is
// lost. A flush that fails keeps the session (Resume), so the next flush
// retries the same rows.
//
// Thread safety: none; the caller holds the SyncDb write mutex.
#ifndef COVEN_ENGINE_CAPTURE_H_
#define COVEN_ENGINE_CAPTURE_H_

#include <sqlite3.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "coven/bytes.h"
#include "coven/hlc.h"
#include "coven/status.h"
#include "db/sql.h"
#include "engine/flush_parts.h"
#include "engine/hlc_clock.h"
#include "engine/stamp_context.h"
#include "engine/table_schema.h"

struct sqlite3_session;

namespace coven::engine {

/// Default bound on the session's memory (sqlite3session_memory_used).
inline constexpr std::size_t kDefaultSessionLimit = std::size_t{8} << 20;
/// The bound is checked every this many VM instructions: fewer than the
/// shortest statement that writes a row executes, so that every write
/// statement passes at least one check even when it is prepared afresh.
inline constexpr int kProgressOps = 8;

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

  /// Registers coven_hlc() and coven_delete_stamp(), creates the TEMP
  /// delete triggers and installs the progress handler that bounds the
  /// session (the connection's only one: a host that sets its own replaces
  /// the bound). Idempotent.
  Status Install();

  /// Creates and attaches a fresh session (no-op if one is attached).
  Status Attach();

  /// Deletes the session without reading it.
  void Detach();

  /// Pauses the session (the flush's own writes are not recorded) and writes
  /// full row images of everything to ship into `out`: rows the session
  /// recorded, rows stamped by this device after the last flush when the
  /// session overflowed or `options.recover_after` is set, and this
  /// device's new tombstones. Each row is written once. Must run inside the
  /// caller's write transaction. Afterwards the caller either commits and
  /// calls Restart(), or rolls back and calls Resume().
  Status Collect(const CollectOptions& options, PartWriter* out);
  /// After a committed flush: a fresh, empty session.
  Status Restart();
  /// After a failed flush: the session records again and keeps what it had,
  /// so the next flush retries the same rows.
  void Resume();

  /// True when the session recorded nothing since Attach.
  bool SessionEmpty() const;
  /// True when the session stopped recording (over its memory bound) since
  /// Attach: the next flush scans for this device's stamps.
  bool overflowed() const { return overflowed_; }
  void set_session_limit(std::size_t bytes) { session_limit_ = bytes; }

  /// Stops the session once it holds more than the limit. Called by the
  /// progress handler, mid-statement: it only reads the session's size and
  /// turns recording off, which the session checks before every row.
  void CheckSessionLimit();

 private:
  struct TableStatements;
  Status ScanTable(const TableSchema& table, const Hlc& floor,
                   bool include_foreign, PartWriter* out);
  Result<std::size_t> ShipTombstones(
      const Hlc& floor, const std::function<bool(const std::string&)>& covered,
      PartWriter* out);
  Status ShipSession(void* spill, const Hlc& tombstone_floor,
                     bool check_tombstones,
                     const std::function<bool(const std::string&)>& covered,
                     PartWriter* out);
  Result<TableStatements*> Statements(const TableSchema& table);
  Result<std::optional<Hlc>> TombstoneOf(const TableSchema& table,
                                         const std::string& id);
  std::optional<Hlc> OwnStamp(std::string_view text) const;
  const TableSchema* Find(std::string_view name) const;

  sqlite3* db_;
  std::vector<TableSchema> tables_;
  HlcClock* hlc_;
  StampContext* stamps_;
  sqlite3_session* session_ = nullptr;
  std::size_t session_limit_ = kDefaultSessionLimit;
  bool overflowed_ = false;
  bool collecting_ = false;  // inside Collect: the flush's own writes
  bool resume_enabled_ = false;
  std::map<std::string, std::unique_ptr<TableStatements>> statements_;
  std::optional<db::Stmt> tombstone_lookup_;
};

}  // namespace coven::engine

#endif  // COVEN_ENGINE_CAPTURE_H_
