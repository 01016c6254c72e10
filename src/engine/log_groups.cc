// Split flushes on the receiving side. A flush larger than one object comes
// as consecutive log objects: kLogPart objects, then one kLog. Each object is
// verified and validated as it arrives (SyncEngine::CheckLogObject); the
// parts wait in _coven_staged_parts (on disk, one row each) until the kLog
// that ends their flush arrives, and then every part and the kLog apply in
// one transaction, so that a reader never sees half of a transaction of
// another device. Staged parts survive restarts: the next round continues
// after the last staged part. Format: docs/format/object.md ("Split
// flushes").
#include <iterator>

#include "db/sql.h"
#include "engine/cursors.h"
#include "engine/sync_engine.h"

namespace coven::engine {

namespace {

Result<bool> HasStaged(sqlite3* db, std::uint64_t author) {
  COVEN_ASSIGN_OR_RETURN(
      db::Stmt probe,
      db::Stmt::Prepare(db,
                        "SELECT 1 FROM _coven_staged_parts WHERE author = ? "
                        "LIMIT 1"));
  probe.Bind(1, DeviceIdToHex(author));
  return probe.Step();
}

}  // namespace

Status SyncEngine::ContinueAfterStaged(std::uint64_t author, Cursor* cursor) {
  std::lock_guard<std::recursive_mutex> lock(db_->write_mutex());
  COVEN_ASSIGN_OR_RETURN(
      db::Stmt last,
      db::Stmt::Prepare(conn_,
                        "SELECT seq, object_hash, public_key FROM "
                        "_coven_staged_parts WHERE author = ? ORDER BY seq "
                        "DESC LIMIT 1"));
  last.Bind(1, DeviceIdToHex(author));
  COVEN_ASSIGN_OR_RETURN(bool row, last.Step());
  if (!row) return Status::Ok();
  const auto seq = static_cast<std::uint64_t>(last.ColumnInt(0));
  if (seq <= cursor->seq) return Status::Ok();
  const Bytes hash = last.ColumnBlob(1);
  const Bytes key = last.ColumnBlob(2);
  if (hash.size() != cursor->hash.size() || key.size() != 32) {
    return Status::Ok();
  }
  cursor->seq = seq;
  std::copy(hash.begin(), hash.end(), cursor->hash.begin());
  crypto::PublicKey pk;
  std::copy(key.begin(), key.end(), pk.begin());
  cursor->public_key = pk;
  return Status::Ok();
}

Status SyncEngine::StagePart(std::uint64_t author, std::uint64_t seq,
                             const std::string& path,
                             const object::ObjectHeader& header,
                             const Bytes& object, const Bytes& payload) {
  std::lock_guard<std::recursive_mutex> lock(db_->write_mutex());
  COVEN_ASSIGN_OR_RETURN(
      db::Stmt put,
      db::Stmt::Prepare(conn_,
                        "INSERT OR REPLACE INTO _coven_staged_parts(author, "
                        "seq, path, hlc_min, hlc_max, object_hash, "
                        "public_key, payload) VALUES(?, ?, ?, ?, ?, ?, ?, ?)"));
  put.Bind(1, DeviceIdToHex(author))
      .Bind(2, static_cast<std::int64_t>(seq))
      .Bind(3, path)
      .Bind(4, header.hlc_min.ToText())
      .Bind(5, header.hlc_max.ToText())
      .BindBlob(6, object::ObjectHash(object))
      .BindBlob(7, header.author_public_key)
      .BindBlob(8, payload);
  return put.Run().Annotate("staging " + path);
}

Result<ApplyStats> SyncEngine::ApplyWithStaged(
    std::uint64_t author, const object::ObjectHeader& header,
    const Bytes& payload, bool with_staged, RoundReport* report) {
  ApplyStats total;
  bool touches_foreign_keys = false;
  std::size_t staged = 0;
  auto merge = [&](ApplyStats stats) {
    total.records += stats.records;
    total.applied += stats.applied;
    total.changes.insert(total.changes.end(),
                         std::make_move_iterator(stats.changes.begin()),
                         std::make_move_iterator(stats.changes.end()));
    total.notes.insert(total.notes.end(), stats.notes.begin(),
                       stats.notes.end());
  };
  if (with_staged && header.member_seq != 0) {
    // The parts count as applied with the object that completes them.
    COVEN_ASSIGN_OR_RETURN(
        db::Stmt note,
        db::Stmt::Prepare(conn_,
                          "INSERT OR REPLACE INTO _coven_applied(author, seq, "
                          "member_seq, hash, hlc_min) SELECT author, seq, ?, "
                          "object_hash, hlc_min FROM _coven_staged_parts "
                          "WHERE author = ?"));
    note.Bind(1, static_cast<std::int64_t>(header.member_seq))
        .Bind(2, DeviceIdToHex(author));
    COVEN_RETURN_IF_ERROR(note.Run());
  }
  if (with_staged) {
    COVEN_ASSIGN_OR_RETURN(
        db::Stmt parts,
        db::Stmt::Prepare(conn_,
                          "SELECT path, hlc_min, hlc_max, payload FROM "
                          "_coven_staged_parts WHERE author = ? ORDER BY "
                          "seq"));
    parts.Bind(1, DeviceIdToHex(author));
    while (true) {
      COVEN_ASSIGN_OR_RETURN(bool row, parts.Step());
      if (!row) break;
      const std::string path = parts.ColumnText(0);
      auto min = Hlc::FromText(parts.ColumnText(1));
      auto max = Hlc::FromText(parts.ColumnText(2));
      const Bytes part = parts.ColumnBlob(3);
      if (!min || !max)
        return InternalError("staged part " + path + " is damaged");
      // Validated when it was staged; again here, because Apply relies on
      // what the last Validate saw.
      COVEN_RETURN_IF_ERROR(applier_->Validate(part, author, *min, *max)
                                .Annotate("applying staged part " + path));
      touches_foreign_keys |= applier_->touches_foreign_keys();
      COVEN_ASSIGN_OR_RETURN(ApplyStats stats, applier_->Apply(part));
      merge(std::move(stats));
      ++staged;
    }
    if (staged > 0) {
      COVEN_ASSIGN_OR_RETURN(
          db::Stmt clear,
          db::Stmt::Prepare(
              conn_, "DELETE FROM _coven_staged_parts WHERE author = ?"));
      clear.Bind(1, DeviceIdToHex(author));
      COVEN_RETURN_IF_ERROR(clear.Run());
      if (!payload.empty()) {
        COVEN_RETURN_IF_ERROR(applier_->Validate(
            payload, author, header.hlc_min, header.hlc_max));
      }
    }
  }
  if (!payload.empty()) {
    COVEN_ASSIGN_OR_RETURN(ApplyStats stats, applier_->Apply(payload));
    merge(std::move(stats));
  }
  if (touches_foreign_keys) applier_->mark_touches_foreign_keys();
  report->pulled_objects += staged;
  return total;
}

Status SyncEngine::ApplyStagedAlone(std::uint64_t author,
                                    std::vector<changeset::RowChange>* changes,
                                    RoundReport* report) {
  std::lock_guard<std::recursive_mutex> lock(db_->write_mutex());
  COVEN_ASSIGN_OR_RETURN(bool any, HasStaged(conn_, author));
  if (!any) return Status::Ok();
  // The flush these parts belong to will not complete here (an object of it
  // was rejected): apply what arrived rather than strand it.
  Status status = InApplyScope(report, [&](bool fk_on) -> Status {
    COVEN_ASSIGN_OR_RETURN(db::Transaction txn, db::Transaction::Begin(conn_));
    COVEN_ASSIGN_OR_RETURN(
        ApplyStats stats,
        ApplyWithStaged(author, object::ObjectHeader(), Bytes(), true, report));
    std::vector<changeset::RowChange> local = std::move(stats.changes);
    COVEN_RETURN_IF_ERROR(applier_->Reconcile(fk_on, &local, &stats.notes));
    COVEN_RETURN_IF_ERROR(
        db::SetState(conn_, "hlc_high_water", hlc_->Last().ToText()));
    COVEN_RETURN_IF_ERROR(txn.Commit());
    report->applied_rows += std::max(stats.applied, local.size());
    for (const std::string& note : stats.notes)
      report->problems.push_back(note);
    // Moved, not copied: a large object lists a row change (strings) per
    // row when a listener wants them.
    changes->insert(changes->end(), std::make_move_iterator(local.begin()),
                    std::make_move_iterator(local.end()));
    return Status::Ok();
  });
  return status.Annotate("applying staged parts");
}

}  // namespace coven::engine
