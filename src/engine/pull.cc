// SyncEngine::Pull: heads -> log objects -> verify -> validate -> apply.
#include <algorithm>

#include "db/sql.h"
#include "engine/cursors.h"
#include "engine/sync_engine.h"
#include "home/read_limits.h"
#include "util/crash_point.h"

namespace coven::engine {

namespace {
// Objects in an author's first fetch batch, and the most in one batch (each
// batch doubles the last).
constexpr std::size_t kFirstFetchBatch = 8;
constexpr std::size_t kMaxFetchBatch = 256;
}  // namespace

object::KeyLookup SyncEngine::KeyLookup() const {
  return [this](const crypto::KeyId& id) -> std::optional<crypto::LibraryKey> {
    return membership_->KeyFor(id);
  };
}

Status SyncEngine::CheckOwnHead(const std::vector<home::ObjectInfo>& heads,
                                RoundReport* report) {
  // The listing shows this device's head for free: if it is missing or not
  // the size this device wrote (lost, replaced by garbage, an old backup),
  // forget that it was written so that the next push rewrites it.
  std::lock_guard<std::recursive_mutex> lock(db_->write_mutex());
  COVEN_ASSIGN_OR_RETURN(auto written, db::GetState(conn_, "head_size"));
  if (!written || written->empty()) return Status::Ok();
  const std::string own = HeadPath(device_);
  for (const home::ObjectInfo& info : heads) {
    if (info.path == own && std::to_string(info.size) == *written) {
      return Status::Ok();
    }
  }
  report->problems.push_back("this device's head " + own +
                             " is missing or damaged in " + home_->Describe() +
                             "; rewriting it");
  next_audit_ms_ = 0;  // the home may have lost more: audit next round
  COVEN_RETURN_IF_ERROR(db::SetState(conn_, "head_seq", ""));
  return db::SetState(conn_, "head_size", "");
}

Status SyncEngine::Pull(RoundReport* report) {
  ++report->requests;
  COVEN_ASSIGN_OR_RETURN(std::vector<remote::Head> heads,
                         remote_->ListHeads(device_, home::kMaxHeads));
  {
    std::vector<home::ObjectInfo> listed;
    for (const remote::Head& head : heads) {
      listed.push_back({head.path, head.size});
    }
    COVEN_RETURN_IF_ERROR(CheckOwnHead(listed, report));
  }
  for (const remote::Head& info : heads) {
    const std::optional<std::uint64_t> author = info.device;
    if (!author || info.path.size() != 22) {
      report->problems.push_back("ignored " + info.path +
                                 ": not a head written by coven");
      continue;
    }
    if (*author == device_) continue;  // ListAll already dropped duplicates
    if (info.size > home::kMaxHeadBytes) {
      report->problems.push_back(
          home::OverLimitNote(info.path, info.size, home::kMaxHeadBytes,
                              "a head", home_->Describe()));
      continue;
    }
    ++report->requests;
    if (!info.status.ok()) {
      report->problems.push_back("reading " + info.path + ": " +
                                 info.status.ToString());
      continue;
    }
    const Bytes* head_bytes = &info.bytes;
    // The header is authorized before anything is decrypted.
    Result<object::ObjectHeader> verified =
        object::Verify(info.path, *head_bytes);
    if (!verified.ok()) {
      report->problems.push_back("head " + info.path +
                                 " rejected: " + verified.status().message());
      continue;
    }
    const object::ObjectHeader& header = *verified;
    // A head sealed with a key from before a future-only member joined:
    // its author has written nothing since; nothing to read, not a problem.
    if (PassesOver(header.key_id)) continue;
    if (!membership_->KeyFor(header.key_id)) {
      // As before the header checks: Open names the unknown key (nothing is
      // decrypted without it).
      Result<Bytes> opened = object::Open(info.path, *head_bytes, KeyLookup());
      report->problems.push_back("head " + info.path +
                                 " rejected: " + opened.status().message());
      continue;
    }
    if (header.kind != object::ObjectKind::kHead ||
        header.author_device != *author ||
        header.library_id != identity_.library_id) {
      report->problems.push_back("head " + info.path +
                                 " rejected: it does not describe this "
                                 "library's device " +
                                 DeviceIdToHex(*author));
      continue;
    }
    if (Status authorized = membership_->AuthorizeObject(header);
        !authorized.ok()) {
      if (authorized.code() == StatusCode::kFailedPrecondition) {
        COVEN_RETURN_IF_ERROR(membership_->NoteHistoryFork(
            "head " + info.path + " " + authorized.message()));
      }
      report->problems.push_back("head " + info.path +
                                 " skipped: " + authorized.message());
      continue;
    }
    Result<Bytes> opened = object::Open(info.path, *head_bytes, KeyLookup());
    if (!opened.ok()) {
      report->problems.push_back("head " + info.path +
                                 " rejected: " + opened.status().message());
      continue;
    }
    std::uint64_t last = header.seq;
    if (std::optional<std::uint64_t> limit =
            membership_->WriteLimit(header.author_public_key);
        limit && *limit < last) {
      // Past its last cut, nothing of a device that may not write now can
      // be accepted: leave those objects in the home unread. Said once per
      // head the device publishes, not every round.
      std::lock_guard<std::recursive_mutex> lock(db_->write_mutex());
      const std::string noted_key = "cut_noted/" + DeviceIdToHex(*author);
      COVEN_ASSIGN_OR_RETURN(std::uint64_t noted,
                             db::GetStateNumber(conn_, noted_key));
      if (noted != last) {
        report->problems.push_back(
            "device " + DeviceIdToHex(*author) + " lost the right to write; " +
            std::to_string(last - *limit) + " of its objects after seq " +
            std::to_string(*limit) + " are not accepted");
        COVEN_RETURN_IF_ERROR(
            db::SetState(conn_, noted_key, std::to_string(last)));
      }
      last = *limit;
      COVEN_ASSIGN_OR_RETURN(Cursor cursor, LoadCursor(conn_, *author));
      if (cursor.seq >= last) continue;  // past it: RepairPastCuts' business
    }
    Status pulled = PullAuthor(*author, last, report);
    if (!pulled.ok()) return pulled;
  }
  return Status::Ok();
}

Status SyncEngine::PullAuthor(std::uint64_t author, std::uint64_t head_seq,
                              RoundReport* report) {
  Cursor cursor;
  {
    std::lock_guard<std::recursive_mutex> lock(db_->write_mutex());
    COVEN_ASSIGN_OR_RETURN(cursor, LoadCursor(conn_, author));
  }
  COVEN_RETURN_IF_ERROR(ContinueAfterStaged(author, &cursor));
  const std::string who = "device " + DeviceIdToHex(author);
  if (head_seq < cursor.seq) {
    // Behind what this device applied: a lagging listing, or a rollback if
    // the object this device applied is gone.
    ++report->requests;
    remote::FetchRequest request;
    request.author = author;
    request.after_seq = cursor.seq - 1;
    request.through_seq = cursor.seq;
    request.max_object_bytes = options_.max_object_bytes;
    request.max_objects = 1;
    Result<std::vector<remote::LogObject>> applied = remote_->FetchLog(request);
    if (applied.ok() && !applied->empty() &&
        applied->front().status.code() == StatusCode::kNotFound) {
      std::lock_guard<std::recursive_mutex> lock(db_->write_mutex());
      COVEN_RETURN_IF_ERROR(db::SetState(
          conn_, "head_alarm",
          "the home " + home_->Describe() + " rolled " + who +
              " back: its head names seq " + std::to_string(head_seq) +
              " and " + LogPath(author, cursor.seq) +
              ", which this device applied, is gone"));
    }
    report->problems.push_back(
        who + ": the home shows seq " + std::to_string(head_seq) +
        " but this device already applied seq " + std::to_string(cursor.seq) +
        " (the home was rolled back or restored from an old copy)");
    return Status::Ok();
  }
  std::vector<changeset::RowChange> changes;
  bool waited = false;
  // Objects come in batches, fetched in parallel where the home allows,
  // and are applied strictly in seq order. The first batch is small: an
  // author that must wait costs few reads.
  std::size_t batch = kFirstFetchBatch;
  std::vector<remote::LogObject> fetched;
  std::size_t next = 0;
  for (std::uint64_t seq = cursor.seq + 1; seq <= head_seq; ++seq) {
    const std::string path = LogPath(author, seq);
    if (next == fetched.size()) {
      remote::FetchRequest request;
      request.author = author;
      request.after_seq = seq - 1;
      request.through_seq = head_seq;
      request.max_object_bytes = options_.max_object_bytes;
      request.max_objects = batch;
      batch = std::min(batch * 2, kMaxFetchBatch);
      Result<std::vector<remote::LogObject>> got = remote_->FetchLog(request);
      if (!got.ok() || got->empty() || got->front().seq != seq) {
        NoteWaiting(author, seq,
                    path + " could not be fetched: " +
                        (got.ok() ? std::string("the remote returned "
                                                "another object")
                                  : got.status().ToString()) +
                        "; retried next round",
                    report);
        waited = true;
        break;
      }
      fetched = std::move(*got);
      next = 0;
    }
    remote::LogObject& item = fetched[next++];
    ++report->requests;
    Result<Bytes> object =
        item.status.ok() ? Result<Bytes>(std::move(item.bytes)) : item.status;
    if (object.status().code() == StatusCode::kResourceExhausted) {
      // Larger than any object this device accepts (max_object_bytes):
      // quarantined unread, as an oversize object always was. If it is
      // planted, its author stores the object again over it; a quarantine
      // retry then applies it.
      COVEN_RETURN_IF_ERROR(ApplyStagedAlone(author, &changes, report));
      COVEN_RETURN_IF_ERROR(
          Quarantine(author, seq, path, object.status(), Bytes(), report));
      cursor.seq = seq;
      cursor.hash = crypto::Hash256{};
      continue;
    }
    if (!object.ok()) {
      if (object.status().code() == StatusCode::kNotFound) {
        NoteWaiting(author, seq,
                    path + " is missing from " + home_->Describe() +
                        " although that device's head names seq " +
                        std::to_string(head_seq) +
                        " (objects were deleted, or the home was restored "
                        "from an older copy); that device stores it again "
                        "the next time it syncs: run `coven sync` there",
                    report);
      } else {
        NoteWaiting(author, seq,
                    path + " could not be read: " + object.status().ToString() +
                        "; retried next round",
                    report);
      }
      waited = true;
      break;
    }
    object::ObjectHeader header;
    Bytes payload;
    LogCheck check =
        CheckLogObject(author, seq, path, *object, cursor, &header, &payload);
    if (check.kind == LogCheck::kWait) {
      NoteWaiting(author, seq, path + " " + check.why, report);
      waited = true;
      break;
    }
    if (check.kind == LogCheck::kPassOver) {
      COVEN_RETURN_IF_ERROR(ApplyStagedAlone(author, &changes, report));
      COVEN_RETURN_IF_ERROR(PassOver(author, seq, header, *object));
      cursor.seq = seq;
      cursor.hash = object::ObjectHash(*object);
      cursor.public_key = header.author_public_key;
      continue;
    }
    Status verdict = check.status;
    if (verdict.ok()) {
      Status applied = ApplyObject(author, seq, path, header, *object, payload,
                                   &changes, report, /*retry=*/false);
      if (applied.ok()) {
        cursor.seq = seq;
        cursor.hash = object::ObjectHash(*object);
        cursor.public_key = header.author_public_key;
        continue;
      }
      // The object passed every check, so an apply failure is local (a host
      // trigger, a full disk, a busy database): keep the author waiting and
      // retry next round rather than throw a valid object away.
      NoteWaiting(author, seq,
                  "applying " + path + " failed here: " + applied.ToString() +
                      "; the object is kept and retried next round",
                  report);
      waited = true;
      break;
    }
    COVEN_RETURN_IF_ERROR(ApplyStagedAlone(author, &changes, report));
    COVEN_RETURN_IF_ERROR(
        Quarantine(author, seq, path, verdict, *object, report));
    cursor.seq = seq;
    cursor.hash = crypto::Hash256{};
  }
  if (!waited) NoteWaiting(author, 0, "", report);
  if (!changes.empty() && listener_) listener_(changes);
  return Status::Ok();
}

void SyncEngine::NoteWaiting(std::uint64_t author, std::uint64_t seq,
                             const std::string& reason, RoundReport* report) {
  std::lock_guard<std::recursive_mutex> lock(db_->write_mutex());
  const std::string hex = DeviceIdToHex(author);
  if (reason.empty()) {
    auto clear =
        db::Stmt::Prepare(conn_, "DELETE FROM _coven_waiting WHERE author = ?");
    if (clear.ok()) clear->Bind(1, hex).Run().IgnoreError();
    return;
  }
  // The first round that found this object waiting sets `since`.
  auto note = db::Stmt::Prepare(
      conn_,
      "INSERT INTO _coven_waiting(author, seq, reason, since_ms) "
      "VALUES(?, ?, ?, ?) ON CONFLICT(author) DO UPDATE SET "
      "reason = excluded.reason, since_ms = CASE WHEN seq = excluded.seq "
      "THEN since_ms ELSE excluded.since_ms END, seq = excluded.seq");
  if (note.ok()) {
    note->Bind(1, hex)
        .Bind(2, static_cast<std::int64_t>(seq))
        .Bind(3, reason)
        .Bind(4, clock_->NowMillis());
    note->Run().IgnoreError();
  }
  report->waiting.push_back("device " + hex + " waits at seq " +
                            std::to_string(seq) + ": " + reason);
}

}  // namespace coven::engine
