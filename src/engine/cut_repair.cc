// SyncEngine::RepairPastCuts: a device that applied objects of an author
// before it learned that the author's right to write had ended (a cut,
// docs/format/members.md §5) takes them back. The merge does not depend on
// order, so the rows those objects had won are cleared and every accepted
// write is applied again: re-applying a merged write changes nothing, and
// each cleared row ends as the newest accepted write makes it, the state
// every device that never saw the rejected objects has.
#include <algorithm>
#include <map>
#include <set>

#include "db/sql.h"
#include "engine/cursors.h"
#include "engine/sync_engine.h"

namespace coven::engine {

namespace {

struct PastCut {
  std::uint64_t seq = 0;
  std::string path;
  Hlc hlc_min;
  std::uint64_t slot = 0;  // the cutting member-log slot
};

// The slot of the cut that rejects object `seq` (naming `member_seq`,
// hashing to `hash`), or 0 if none does (MemberState::CheckCuts).
std::uint64_t CuttingSlot(const std::vector<members::CutRecord>& cuts,
                          std::uint64_t seq, std::uint64_t member_seq,
                          const crypto::Hash256& hash) {
  for (const members::CutRecord& cut : cuts) {
    if (seq == cut.seq && !IsZeroHash(cut.hash) && hash != cut.hash) {
      return cut.slot;
    }
    if (seq > cut.seq && member_seq < cut.slot) return cut.slot;
  }
  return 0;
}

}  // namespace

Status SyncEngine::NoteApplied(std::uint64_t author, std::uint64_t seq,
                               std::uint64_t member_seq,
                               const crypto::Hash256& hash,
                               const Hlc& hlc_min) {
  COVEN_ASSIGN_OR_RETURN(
      db::Stmt note,
      db::Stmt::Prepare(conn_,
                        "INSERT OR REPLACE INTO _coven_applied(author, seq, "
                        "member_seq, hash, hlc_min) VALUES(?, ?, ?, ?, ?)"));
  note.Bind(1, DeviceIdToHex(author))
      .Bind(2, static_cast<std::int64_t>(seq))
      .Bind(3, static_cast<std::int64_t>(member_seq))
      .BindBlob(4, hash)
      .Bind(5, hlc_min.ToText());
  return note.Run();
}

Result<bool> SyncEngine::HasOwnRowsFrom(const Hlc& from) {
  std::vector<std::string> probes = {
      "SELECT 1 FROM _coven_tombstones WHERE hlc >= ?1 AND substr(hlc, 23) = "
      "?2 LIMIT 1"};
  for (const TableSchema& table : tables_) {
    probes.push_back("SELECT 1 FROM " + db::QuoteIdentifier(table.name) +
                     " WHERE _updated_at >= ?1 AND substr(_updated_at, 23) = "
                     "?2 LIMIT 1");
  }
  for (const std::string& sql : probes) {
    COVEN_ASSIGN_OR_RETURN(db::Stmt probe, db::Stmt::Prepare(conn_, sql));
    probe.Bind(1, from.ToText()).Bind(2, DeviceIdToHex(device_));
    COVEN_ASSIGN_OR_RETURN(bool row, probe.Step());
    if (row) return true;
  }
  return false;
}

Status SyncEngine::RepairPastCuts(RoundReport* report) {
  const auto& cuts = membership_->current().cuts();
  if (cuts.empty()) return Status::Ok();
  std::lock_guard<std::recursive_mutex> lock(db_->write_mutex());
  std::map<std::uint64_t, std::vector<PastCut>> found;  // by author
  std::uint64_t own_done = 0, own_last_slot = 0;
  for (const auto& [key, cut_records] : cuts) {
    // A plain reference: clang 14 cannot capture a structured binding.
    const auto& records = cut_records;
    const std::uint64_t author = crypto::DeviceIdFor(key);
    std::uint64_t low = UINT64_MAX;
    for (const auto& cut : records) low = std::min(low, cut.seq);
    std::vector<PastCut>& past = found[author];
    if (author == device_) {
      // This device's own writes count as applied here.
      COVEN_ASSIGN_OR_RETURN(own_done,
                             db::GetStateNumber(conn_, "own_cut_repaired"));
      own_last_slot = records.back().slot;
      if (own_done >= own_last_slot) continue;
      // Seal pending writes first, so that the scan sees all of them.
      COVEN_RETURN_IF_ERROR(FlushLocked().status());
      // Every own object: those within the cut give the last accepted
      // stamp, the others are past it.
      std::optional<Hlc> accepted_max;  // of own objects within the cut
      COVEN_RETURN_IF_ERROR(outbox().ForEachOwn([&](const OutboxItem& own) {
        const Bytes& object = own.object;
        Result<object::ObjectHeader> header = object::ParseHeader(object);
        if (!header.ok()) return Status::Ok();
        const std::uint64_t seq = own.seq;
        if (seq <= records.back().seq) {
          if (!accepted_max || *accepted_max < header->hlc_max) {
            accepted_max = header->hlc_max;
          }
          return Status::Ok();
        }
        // Past a cut, or sealed after this device learned of the cut (at a
        // position where it may not write): others reject both.
        const crypto::Hash256 hash = object::ObjectHash(object);
        std::uint64_t slot =
            CuttingSlot(records, seq, header->member_seq, hash);
        if (slot == 0 && membership_->AuthorizeObject(*header, hash).code() ==
                             StatusCode::kPermissionDenied) {
          slot = records.back().slot;
        }
        if (slot != 0) past.push_back({seq, own.path, header->hlc_min, slot});
        return Status::Ok();
      }));
      // Writes this device made but could not publish any more (a session
      // not yet sealed) are past the cut too: every row stamped by this
      // device after its last accepted write.
      Hlc after = accepted_max.value_or(Hlc{0, 0, device_});
      after.counter = static_cast<std::uint16_t>(after.counter + 1);
      if (after.counter == 0) ++after.millis;
      if (past.empty()) {
        COVEN_ASSIGN_OR_RETURN(bool later, HasOwnRowsFrom(after));
        if (later) past.push_back({0, "", after, records.back().slot});
      } else if (after < past.front().hlc_min) {
        past.front().hlc_min = after;
      }
      continue;
    }
    COVEN_ASSIGN_OR_RETURN(
        db::Stmt applied,
        db::Stmt::Prepare(conn_,
                          "SELECT seq, member_seq, hash, hlc_min FROM "
                          "_coven_applied WHERE author = ? AND seq >= ? "
                          "ORDER BY seq"));
    applied.Bind(1, DeviceIdToHex(author))
        .Bind(2, static_cast<std::int64_t>(low));
    while (true) {
      COVEN_ASSIGN_OR_RETURN(bool row, applied.Step());
      if (!row) break;
      const auto seq = static_cast<std::uint64_t>(applied.ColumnInt(0));
      const Bytes hash_bytes = applied.ColumnBlob(2);
      crypto::Hash256 hash{};
      if (hash_bytes.size() == hash.size()) {
        std::copy(hash_bytes.begin(), hash_bytes.end(), hash.begin());
      }
      const auto min = Hlc::FromText(applied.ColumnText(3));
      if (!min) continue;
      if (std::uint64_t slot = CuttingSlot(
              records, seq, static_cast<std::uint64_t>(applied.ColumnInt(1)),
              hash)) {
        past.push_back({seq, LogPath(author, seq), *min, slot});
      }
    }
  }
  std::erase_if(found, [](const auto& entry) { return entry.second.empty(); });
  if (found.empty()) {
    if (own_last_slot > own_done) {
      return db::SetState(conn_, "own_cut_repaired",
                          std::to_string(own_last_slot));
    }
    return Status::Ok();
  }

  std::set<std::string> skip;
  std::string alarm;
  for (const auto& [author, past] : found) {
    for (const PastCut& p : past) {
      if (!p.path.empty()) skip.insert(p.path);
    }
    alarm += (alarm.empty() ? "" : "; ") +
             (author == device_
                  ? std::string("this device's writes after its last "
                                "accepted object")
                  : "device " + DeviceIdToHex(author) + "'s objects from seq " +
                        std::to_string(past.front().seq) + " to " +
                        std::to_string(past.back().seq)) +
             " were applied here before this device learned that the "
             "right to write ended at member-log slot " +
             std::to_string(past.front().slot);
  }
  std::size_t cleared = 0;
  std::vector<changeset::RowChange> changes;
  Status status = InApplyScope(report, [&](bool fk_on) -> Status {
    COVEN_ASSIGN_OR_RETURN(db::Transaction txn, db::Transaction::Begin(conn_));
    // 1. Clear what the rejected objects won: their author's rows,
    // deletions and parked rows stamped from its first rejected write on
    // (an author's stamps grow along its chain).
    for (const auto& [author, past] : found) {
      Hlc from = past.front().hlc_min;
      for (const PastCut& p : past) from = std::min(from, p.hlc_min);
      std::vector<std::string> clears = {
          "DELETE FROM _coven_tombstones WHERE hlc >= ?1 AND substr(hlc, 23) "
          "= ?2",
          "DELETE FROM _coven_parked WHERE hlc >= ?1 AND substr(hlc, 23) = ?2",
          "DELETE FROM _coven_lost WHERE hlc >= ?1 AND substr(hlc, 23) = ?2"};
      for (const TableSchema& table : tables_) {
        clears.push_back("DELETE FROM " + db::QuoteIdentifier(table.name) +
                         " WHERE _updated_at >= ?1 AND substr(_updated_at, "
                         "23) = ?2");
      }
      // Silent: clearing is not a deletion, so it leaves no tombstone.
      const StampContext saved = stamps_;
      stamps_.mode = StampContext::Mode::kSilent;
      Status clearing = Status::Ok();
      for (const std::string& sql : clears) {
        Result<db::Stmt> clear = db::Stmt::Prepare(conn_, sql);
        if (clear.ok()) {
          clear->Bind(1, from.ToText()).Bind(2, DeviceIdToHex(author));
          clearing = clear->Run();
        } else {
          clearing = clear.status();
        }
        if (!clearing.ok()) break;
        cleared += static_cast<std::size_t>(sqlite3_changes(conn_));
      }
      stamps_ = saved;
      COVEN_RETURN_IF_ERROR(clearing);
    }
    // 2. Apply every accepted write again.
    object::OpenLimits limits;
    limits.max_object_bytes = options_.max_object_bytes;
    limits.max_payload_bytes = options_.max_payload_bytes;
    auto apply_one = [&](std::uint64_t author, const std::string& path,
                         const Bytes& object) -> Status {
      object::ObjectHeader header;
      // Objects from before a future-only member joined were never read.
      if (Result<object::ObjectHeader> parsed = object::ParseHeader(object);
          parsed.ok() && PassesOver(parsed->key_id)) {
        return Status::Ok();
      }
      COVEN_ASSIGN_OR_RETURN(
          Bytes payload,
          object::Open(path, object, KeyLookup(), &header, limits));
      COVEN_RETURN_IF_ERROR(
          applier_->Validate(payload, author, header.hlc_min, header.hlc_max));
      COVEN_ASSIGN_OR_RETURN(ApplyStats stats, applier_->Apply(payload));
      changes.insert(changes.end(), stats.changes.begin(), stats.changes.end());
      return Status::Ok();
    };
    {
      COVEN_RETURN_IF_ERROR(outbox().ForEachOwn([&](const OutboxItem& own) {
        if (skip.count(own.path)) return Status::Ok();
        // Own objects others reject (past a cut, taken back earlier) stay
        // out too.
        Result<object::ObjectHeader> header = object::ParseHeader(own.object);
        if (!header.ok() ||
            membership_
                    ->AuthorizeObject(*header, object::ObjectHash(own.object))
                    .code() == StatusCode::kPermissionDenied) {
          return Status::Ok();
        }
        return apply_one(device_, own.path, own.object)
            .Annotate("re-applying " + own.path);
      }));
    }
    std::set<std::string> quarantined;
    std::vector<std::pair<std::uint64_t, std::uint64_t>> authors;
    {
      COVEN_ASSIGN_OR_RETURN(db::Stmt q,
                             db::Stmt::Prepare(conn_,
                                               "SELECT path FROM "
                                               "_coven_quarantine"));
      while (true) {
        COVEN_ASSIGN_OR_RETURN(bool row, q.Step());
        if (!row) break;
        quarantined.insert(q.ColumnText(0));
      }
      COVEN_ASSIGN_OR_RETURN(
          db::Stmt c,
          db::Stmt::Prepare(conn_, "SELECT author, seq FROM sync_cursors"));
      while (true) {
        COVEN_ASSIGN_OR_RETURN(bool row, c.Step());
        if (!row) break;
        auto author = DeviceIdFromHex(c.ColumnText(0));
        if (author && *author != device_) {
          authors.emplace_back(*author,
                               static_cast<std::uint64_t>(c.ColumnInt(1)));
        }
      }
    }
    for (const auto& [author, last] : authors) {
      for (std::uint64_t seq = 1; seq <= last; ++seq) {
        const std::string path = LogPath(author, seq);
        if (skip.count(path) || quarantined.count(path)) continue;
        ++report->requests;
        Result<Bytes> object = home_->Get(path, options_.max_object_bytes);
        if (!object.ok()) {
          return object.status().Annotate(
              "re-reading " + path +
              " to rebuild the rows a removed or demoted member's writes had "
              "won");
        }
        COVEN_RETURN_IF_ERROR(
            apply_one(author, path, *object).Annotate("re-applying " + path));
      }
    }
    // Rows the clearing freed may take back a value they had lost in a
    // constraint clash; parked rows may have their parent again.
    applier_->mark_touches_foreign_keys();
    std::vector<std::string> notes;
    COVEN_RETURN_IF_ERROR(applier_->Reconcile(fk_on, &changes, &notes));
    // 3. The rejected remote objects join the quarantine with the reason.
    for (const auto& [author, past] : found) {
      if (author == device_) {
        COVEN_RETURN_IF_ERROR(db::SetState(conn_, "own_cut_repaired",
                                           std::to_string(own_last_slot)));
        continue;
      }
      for (const PastCut& p : past) {
        if (p.path.empty()) continue;
        COVEN_ASSIGN_OR_RETURN(
            db::Stmt q,
            db::Stmt::Prepare(conn_,
                              "INSERT OR REPLACE INTO _coven_quarantine(path, "
                              "author, seq, reason, object, at_ms) VALUES(?, "
                              "?, ?, ?, NULL, ?)"));
        q.Bind(1, p.path)
            .Bind(2, DeviceIdToHex(author))
            .Bind(3, static_cast<std::int64_t>(p.seq))
            .Bind(4, "object " + p.path +
                         " was written after its author's right to write "
                         "ended at member-log slot " +
                         std::to_string(p.slot) +
                         "; applied here before that was known, now taken "
                         "back")
            .Bind(5, clock_->NowMillis());
        COVEN_RETURN_IF_ERROR(q.Run());
        COVEN_ASSIGN_OR_RETURN(
            db::Stmt forget,
            db::Stmt::Prepare(
                conn_,
                "DELETE FROM _coven_applied WHERE author = ? AND seq = ?"));
        forget.Bind(1, DeviceIdToHex(author))
            .Bind(2, static_cast<std::int64_t>(p.seq));
        COVEN_RETURN_IF_ERROR(forget.Run());
      }
    }
    alarm += ". The " + std::to_string(cleared) +
             " rows they had won were rebuilt from the accepted writes; "
             "`coven status --acknowledge` clears this alarm";
    COVEN_ASSIGN_OR_RETURN(auto earlier, db::GetState(conn_, "cut_alarm"));
    if (earlier && !earlier->empty()) alarm = *earlier + "\n" + alarm;
    COVEN_RETURN_IF_ERROR(db::SetState(conn_, "cut_alarm", alarm));
    COVEN_RETURN_IF_ERROR(
        db::SetState(conn_, "hlc_high_water", hlc_->Last().ToText()));
    return txn.Commit();
  });
  if (!status.ok()) {
    report->problems.push_back("rebuilding rows after a cut failed (" +
                               status.ToString() + "); tried again next round");
    return Status::Ok();
  }
  report->alarms.push_back(alarm);
  if (!changes.empty() && listener_) listener_(changes);
  return Status::Ok();
}

}  // namespace coven::engine
