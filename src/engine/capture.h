// Change capture on the host's write connection (docs/capture.md).
//
// A SQLite session attached to the host connection records which rows of the
// synced tables change; TEMP triggers record a tombstone (with an HLC stamp)
// for every delete in the same transaction as the delete. Collect() turns the
// session into a changeset of full row images, read from the live tables,
// inside the flush transaction that also writes the outbox.
//
// Crash safety: the session lives in memory, so a crash can lose it. Every
// row a device writes carries its own HLC stamp in `_updated_at` and every
// delete leaves a tombstone row, both committed with the host's transaction.
// After an unclean stop, Collect(recover=true) rescans the synced tables for
// stamps of this device newer than the last flush, so no committed write is
// lost.
//
// Thread safety: none; the caller holds the SyncDb write mutex.
#ifndef COVEN_ENGINE_CAPTURE_H_
#define COVEN_ENGINE_CAPTURE_H_

#include <sqlite3.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "changeset/changeset_writer.h"
#include "coven/bytes.h"
#include "coven/changeset.h"
#include "coven/hlc.h"
#include "coven/status.h"
#include "engine/hlc_clock.h"
#include "engine/stamp_context.h"
#include "engine/table_schema.h"

struct sqlite3_session;

namespace coven::engine {

/// What one flush gathered.
struct CapturedChanges {
  Bytes changeset;  ///< SQLite changeset; empty when nothing changed.
  std::size_t rows = 0;
  Hlc hlc_min;
  Hlc hlc_max;
  std::vector<std::string> warnings;  ///< Rows that cannot sync, and why.
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

  /// Creates and attaches a fresh session (no-op if one is attached).
  Status Attach();

  /// Deletes the session without reading it.
  void Detach();

  /// Reads and deletes the session and builds full row images. When
  /// `recover_after` is set, also includes rows and tombstones stamped by
  /// this device after that stamp (crash recovery). Must run inside the
  /// caller's write transaction. Leaves no session attached.
  /// `include_foreign` also recovers rows stamped by other devices or not
  /// stamped at all (first start over pre-existing data); they are restamped.
  /// Deletions are always read from the tombstone table (stamps of this
  /// device after `tombstones_after`): the session reports nothing for a row
  /// inserted and deleted between two flushes, yet other devices may hold
  /// that row and must learn of the deletion.
  Result<CapturedChanges> Collect(std::optional<Hlc> recover_after,
                                  const Hlc& tombstones_after,
                                  bool include_foreign = false);
  /// True when the session recorded nothing since Attach.
  bool SessionEmpty() const;

 private:
  struct PendingTable;
  Status CollectSession(std::map<std::string, PendingTable>* pending,
                        changeset::ChangesetWriter* writer,
                        CapturedChanges* out);
  static void NoteStamp(const Hlc& stamp, CapturedChanges* out);

  sqlite3* db_;
  std::vector<TableSchema> tables_;
  HlcClock* hlc_;
  StampContext* stamps_;
  sqlite3_session* session_ = nullptr;
};

}  // namespace coven::engine

#endif  // COVEN_ENGINE_CAPTURE_H_
