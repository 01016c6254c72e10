// Quarantine: objects that failed a check are set aside with the reason,
// so that one bad object never blocks an author, and can be retried.
#include <algorithm>

#include "db/sql.h"
#include "engine/cursors.h"
#include "engine/sync_engine.h"

namespace coven::engine {

Status SyncEngine::Quarantine(std::uint64_t author, std::uint64_t seq,
                              const std::string& path, const Status& reason,
                              const Bytes& object, RoundReport* report) {
  std::lock_guard<std::recursive_mutex> lock(db_->write_mutex());
  const std::string message = "object " + path + " from " + home_->Describe() +
                              " rejected and quarantined: " + reason.message();
  COVEN_ASSIGN_OR_RETURN(db::Transaction txn, db::Transaction::Begin(conn_));
  COVEN_ASSIGN_OR_RETURN(
      db::Stmt stmt,
      db::Stmt::Prepare(conn_,
                        "INSERT OR REPLACE INTO _coven_quarantine(path, "
                        "author, seq, reason, object, at_ms) VALUES(?, "
                        "?, ?, ?, ?, ?)"));
  stmt.Bind(1, path)
      .Bind(2, DeviceIdToHex(author))
      .Bind(3, static_cast<std::int64_t>(seq));
  stmt.Bind(4, message);
  if (object.size() <= (64u << 10)) {  // evidence, bounded
    stmt.BindBlob(5, object);
  } else {
    stmt.BindNull(5);
  }
  stmt.Bind(6, clock_->NowMillis());
  COVEN_RETURN_IF_ERROR(stmt.Run());
  COVEN_RETURN_IF_ERROR(
      SaveCursor(conn_, author, seq, crypto::Hash256{}, nullptr));
  COVEN_RETURN_IF_ERROR(txn.Commit());
  ++report->quarantined;
  report->problems.push_back(message);
  return Status::Ok();
}

Status SyncEngine::RetryQuarantined(RoundReport* report) {
  std::lock_guard<std::mutex> round(round_mutex_);  // not during a round
  return RetryQuarantinedLocked(report, SIZE_MAX);
}

Status SyncEngine::RetryQuarantinedLocked(RoundReport* report,
                                          std::size_t limit) {
  struct Entry {
    std::string path;
    std::uint64_t author;
    std::uint64_t seq;
  };
  std::vector<Entry> entries;
  {
    // A bounded retry moves on from where the last one stopped (wrapping),
    // so that objects that keep failing cannot starve the others.
    std::lock_guard<std::recursive_mutex> lock(db_->write_mutex());
    COVEN_ASSIGN_OR_RETURN(auto after,
                           db::GetState(conn_, "quarantine_retry_after"));
    COVEN_ASSIGN_OR_RETURN(
        db::Stmt stmt,
        db::Stmt::Prepare(conn_,
                          "SELECT path, author, seq FROM _coven_quarantine "
                          "ORDER BY path > ? DESC, path LIMIT ?"));
    stmt.Bind(1, limit == SIZE_MAX ? std::string() : after.value_or(""))
        .Bind(2, static_cast<std::int64_t>(
                     std::min<std::size_t>(limit, INT64_MAX)));
    while (true) {
      COVEN_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      auto author = DeviceIdFromHex(stmt.ColumnText(1));
      if (!author) continue;
      entries.push_back({stmt.ColumnText(0), *author,
                         static_cast<std::uint64_t>(stmt.ColumnInt(2))});
    }
    if (!entries.empty()) {
      COVEN_RETURN_IF_ERROR(
          db::SetState(conn_, "quarantine_retry_after", entries.back().path));
    }
  }
  // Per author in seq order: a later object of an author may depend on an
  // earlier one (its parent rows).
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.author != b.author ? a.author < b.author : a.seq < b.seq;
  });
  std::vector<changeset::RowChange> changes;
  for (const Entry& entry : entries) {
    ++report->requests;
    Result<Bytes> object = home_->Get(entry.path, options_.max_object_bytes);
    if (!object.ok()) {
      report->problems.push_back("retrying " + entry.path + ": " +
                                 object.status().ToString());
      continue;
    }
    Cursor cursor;
    {
      std::lock_guard<std::recursive_mutex> lock(db_->write_mutex());
      COVEN_ASSIGN_OR_RETURN(cursor, LoadCursor(conn_, entry.author));
    }
    cursor.hash = crypto::Hash256{};  // its chain position is not re-checked
    object::ObjectHeader header;
    Bytes payload;
    // The position its predecessor named (0 if that is unreadable too).
    std::uint64_t floor = 0;
    if (entry.seq > 1) {
      ++report->requests;
      Result<Bytes> before = home_->Get(LogPath(entry.author, entry.seq - 1),
                                        options_.max_object_bytes);
      if (before.ok()) {
        Result<object::ObjectHeader> prev =
            object::Verify(LogPath(entry.author, entry.seq - 1), *before);
        if (prev.ok() && prev->author_device == entry.author) {
          floor = prev->member_seq;
        }
      }
    }
    LogCheck check = CheckLogObject(entry.author, entry.seq, entry.path,
                                    *object, cursor, &header, &payload, floor);
    if (check.kind == LogCheck::kApply) {
      Status applied = ApplyObject(entry.author, entry.seq, entry.path, header,
                                   *object, payload, &changes, report,
                                   /*retry=*/true);
      if (applied.ok()) continue;
      check.status = applied;
    }
    report->problems.push_back(
        "quarantined " + entry.path + " still fails: " +
        (check.kind == LogCheck::kWait ? check.why : check.status.message()));
  }
  if (!changes.empty() && listener_) listener_(changes);
  return Status::Ok();
}

}  // namespace coven::engine
