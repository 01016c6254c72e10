// SyncEngine::Flush: captured changes -> sealed objects in the outbox, in one
// transaction with the flush bookkeeping. A flush of any size is cut into
// parts (consecutive seqs, each below max_object_bytes); only one part is in
// memory at a time (docs/capture.md).
#include <algorithm>

#include "db/sql.h"
#include "engine/flush_parts.h"
#include "engine/row_changes.h"
#include "engine/sync_engine.h"
#include "object/payload.h"
#include "util/crash_point.h"

namespace coven::engine {

Result<std::size_t> SyncEngine::Flush() {
  std::lock_guard<std::recursive_mutex> lock(db_->write_mutex());
  return FlushLocked();
}

Result<std::size_t> SyncEngine::FlushLocked() {
  if (!sqlite3_get_autocommit(conn_)) return std::size_t{0};
  COVEN_ASSIGN_OR_RETURN(auto flushed, db::GetState(conn_, "flushed_through"));
  Hlc flushed_through;
  if (flushed) {
    if (auto h = Hlc::FromText(*flushed)) flushed_through = *h;
  }
  bool new_tombstones = false;
  {
    COVEN_ASSIGN_OR_RETURN(
        db::Stmt probe,
        db::Stmt::Prepare(
            conn_, "SELECT 1 FROM _coven_tombstones WHERE hlc > ? LIMIT 1"));
    probe.Bind(1, flushed_through.ToText());
    COVEN_ASSIGN_OR_RETURN(new_tombstones, probe.Step());
  }
  if (capture_->SessionEmpty() && !need_recovery_ && !new_tombstones) {
    return std::size_t{0};
  }
  // Changes wait (captured, unconsumed) until this device may publish them.
  write_refusal_ = membership_->CanWrite();
  if (write_refusal_.code() == StatusCode::kFailedPrecondition) {
    return std::size_t{0};
  }
  const bool publish = write_refusal_.ok();
  crypto::LibraryKey key;
  if (publish) {
    COVEN_ASSIGN_OR_RETURN(key, membership_->CurrentKey());
  } else if (!need_recovery_) {
    return std::size_t{0};  // the write guard keeps new changes out
  }
  // A device that may never publish (a Reader, a removed member) still
  // consumes its start-up scan here, so rows it later receives are never
  // taken for its own; what it captured is dropped, not published.
  CollectOptions collect;
  if (need_recovery_)
    collect.recover_after = bootstrap_ ? Hlc() : flushed_through;
  collect.tombstones_after = flushed_through;
  collect.include_foreign = bootstrap_;

  // Each part's changeset stays below what seals under max_object_bytes
  // whatever zstd makes of it, and below a fixed size so that memory does
  // not grow with the limit.
  const std::uint64_t part_bytes = std::min<std::uint64_t>(
      kDefaultPartBytes,
      object::payload::LargestPayloadWithin(options_.max_object_bytes));
  if (publish && part_bytes == 0) {
    return FailedPreconditionError(
        "max_object_bytes (" + std::to_string(options_.max_object_bytes) +
        ") is too small to hold any object; raise Config::max_object_bytes");
  }
  std::size_t rows = 0;
  // The flush restamps rows (foreign or unstamped ones, rows its tombstones
  // find alive): the write guard must let those through, also on a device
  // that may not write, whose start-up scan still runs here.
  const bool was_applying = applying_->exchange(true);
  Status done = [&]() -> Status {
    COVEN_ASSIGN_OR_RETURN(db::Transaction txn, db::Transaction::Begin(conn_));
    // A damaged local_seq is a kDataLoss naming the key, never an exception.
    COVEN_ASSIGN_OR_RETURN(std::uint64_t last_seq,
                           db::GetStateNumber(conn_, "local_seq"));
    COVEN_ASSIGN_OR_RETURN(auto last_hash, db::GetState(conn_, "local_hash"));
    std::uint64_t seq = last_seq + 1;
    std::string prev_hash = last_hash.value_or("");
    Outbox queue = outbox();
    PartWriter parts(
        static_cast<std::size_t>(part_bytes), [&](CapturedPart part) -> Status {
          if (!publish) return Status::Ok();  // dropped, see above
          // Every part but the last says that the flush continues at the
          // next seq, so that receivers apply the flush as a whole.
          object::ObjectHeader header =
              OwnHeader(part.last ? object::ObjectKind::kLog
                                  : object::ObjectKind::kLogPart,
                        seq, prev_hash, key);
          header.hlc_min = part.hlc_min;
          header.hlc_max = part.hlc_max;
          if (capture_listener_) {
            COVEN_ASSIGN_OR_RETURN(
                auto changes, RowChangesOf(part.changeset, tables_, false));
            capture_listener_(changes);
          }
          const std::string path = LogPath(device_, seq);
          COVEN_ASSIGN_OR_RETURN(Bytes sealed,
                                 object::Seal(path, header, part.changeset, key,
                                              identity_.signer));
          Bytes().swap(part.changeset);
          if (sealed.size() > options_.max_object_bytes) {
            // Only a part of a single row can get here.
            return ResourceExhaustedError(
                "a single row seals to " + std::to_string(sealed.size()) +
                " bytes, above max_object_bytes (" +
                std::to_string(options_.max_object_bytes) +
                "); raise Config::max_object_bytes (COVEN_MAX_OBJECT_BYTES) "
                "or make the row smaller");
          }
          COVEN_RETURN_IF_ERROR(
              queue.Enqueue(seq, path, sealed, part.rows, clock_->NowMillis()));
          prev_hash = HexEncode(object::ObjectHash(sealed));
          ++seq;
          return Status::Ok();
        });
    COVEN_RETURN_IF_ERROR(capture_->Collect(collect, &parts));
    COVEN_RETURN_IF_ERROR(parts.Finish());
    rows = parts.rows();
    if (!publish && rows == 0) write_refusal_ = Status::Ok();
    if (publish && parts.parts() > 0) {
      COVEN_RETURN_IF_ERROR(
          db::SetState(conn_, "local_seq", std::to_string(seq - 1)));
      COVEN_RETURN_IF_ERROR(db::SetState(conn_, "local_hash", prev_hash));
    }
    const std::string last = hlc_->Last().ToText();
    COVEN_RETURN_IF_ERROR(db::SetState(conn_, "flushed_through", last));
    COVEN_RETURN_IF_ERROR(db::SetState(conn_, "hlc_high_water", last));
    CrashPoint("flush.before_commit");
    return txn.Commit();
  }();
  applying_->store(was_applying);
  if (!done.ok()) {
    // Rolled back: the session keeps what it recorded and the stamps and
    // tombstones are still newer than flushed_through, so the next flush
    // retries the same rows (a first start's backfill included).
    capture_->Resume();
    return done.Annotate("flushing captured changes");
  }
  CrashPoint("flush.after_commit");
  need_recovery_ = false;
  bootstrap_ = false;
  COVEN_RETURN_IF_ERROR(capture_->Restart());
  return publish ? rows : std::size_t{0};
}

}  // namespace coven::engine
