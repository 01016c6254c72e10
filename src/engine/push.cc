// SyncEngine::Push: outbox objects -> home, then the head.
//
// Every step a retry depends on is one transaction: an object leaves the
// outbox, enters the sent store (_coven_sent, kept for self-repair) and
// advances pushed_seq together, so a kill between any two steps leaves
// either the object still queued (the next push finds its own bytes in the
// home and moves on) or fully recorded.
#include "db/sql.h"
#include "engine/sync_engine.h"
#include "util/crash_point.h"

namespace coven::engine {

namespace {
// Outbox items uploaded per round (the rest wait for the next).
constexpr std::size_t kPushBatch = 64;
}  // namespace

Status SyncEngine::RecordSent(std::uint64_t seq, const Bytes& object) {
  std::lock_guard<std::recursive_mutex> lock(db_->write_mutex());
  COVEN_ASSIGN_OR_RETURN(db::Transaction txn, db::Transaction::Begin(conn_));
  COVEN_ASSIGN_OR_RETURN(bool moved, outbox().Ack(seq, clock_->NowMillis()));
  // Another process on this library may have recorded it (and later ones)
  // already: pushed_seq only moves forward.
  COVEN_ASSIGN_OR_RETURN(std::uint64_t pushed,
                         db::GetStateNumber(conn_, "pushed_seq"));
  if (moved && seq > pushed) {
    COVEN_RETURN_IF_ERROR(
        db::SetState(conn_, "pushed_seq", std::to_string(seq)));
    COVEN_RETURN_IF_ERROR(db::SetState(conn_, "pushed_hash",
                                       HexEncode(object::ObjectHash(object))));
  }
  CrashPoint("push.before_bookkeeping_commit");
  return txn.Commit();
}

Status SyncEngine::Push(RoundReport* report) {
  std::vector<OutboxItem> pending;
  {
    std::lock_guard<std::recursive_mutex> lock(db_->write_mutex());
    COVEN_ASSIGN_OR_RETURN(pending, outbox().Peek(kPushBatch));
  }
  for (const OutboxItem& item : pending) {
    Status created = StoreOwnObject(item.path, item.object, report).status();
    if (!created.ok()) {
      std::lock_guard<std::recursive_mutex> lock(db_->write_mutex());
      outbox().NoteFailure(item.seq, created.ToString()).IgnoreError();
      return created;
    }
    CrashPoint("push.after_create");
    COVEN_RETURN_IF_ERROR(RecordSent(item.seq, item.object));
    CrashPoint("push.after_bookkeeping");
    ++report->pushed_objects;
  }
  return WriteHead(report);
}

Status SyncEngine::WriteHead(RoundReport* report) {
  // Another process on this library may push meanwhile: a head is recorded
  // as written only if pushed_seq did not move while it was uploaded, and
  // written again otherwise.
  for (int attempt = 0; attempt < 3; ++attempt) {
    std::string pushed_hash;
    std::uint64_t pushed_seq = 0;
    {
      std::lock_guard<std::recursive_mutex> lock(db_->write_mutex());
      COVEN_ASSIGN_OR_RETURN(pushed_seq,
                             db::GetStateNumber(conn_, "pushed_seq"));
      COVEN_ASSIGN_OR_RETURN(auto hash, db::GetState(conn_, "pushed_hash"));
      COVEN_ASSIGN_OR_RETURN(auto head, db::GetState(conn_, "head_seq"));
      if (pushed_seq == 0 || !hash) return Status::Ok();
      if (head && *head == std::to_string(pushed_seq)) return Status::Ok();
      pushed_hash = *hash;
    }
    // A head names the latest stored log object: its seq and hash. It is
    // sealed with the newest key this device holds.
    Result<crypto::LibraryKey> key = membership_->CurrentKey();
    if (!key.ok()) return Status::Ok();  // written once the key arrives
    object::ObjectHeader header =
        OwnHeader(object::ObjectKind::kHead, pushed_seq, pushed_hash, *key);
    const std::string path = HeadPath(device_);
    COVEN_ASSIGN_OR_RETURN(Bytes sealed, object::Seal(path, header, Bytes(),
                                                      *key, identity_.signer));
    ++report->requests;
    COVEN_RETURN_IF_ERROR(
        home_->Replace(path, sealed)
            .Annotate("writing head " + path + " to " + home_->Describe()));
    CrashPoint("push.after_head");
    std::lock_guard<std::recursive_mutex> lock(db_->write_mutex());
    COVEN_ASSIGN_OR_RETURN(db::Transaction txn, db::Transaction::Begin(conn_));
    COVEN_ASSIGN_OR_RETURN(std::uint64_t now_pushed,
                           db::GetStateNumber(conn_, "pushed_seq"));
    if (now_pushed != pushed_seq) continue;
    COVEN_RETURN_IF_ERROR(
        db::SetState(conn_, "head_size", std::to_string(sealed.size())));
    COVEN_RETURN_IF_ERROR(db::SetState(conn_, "head_hash",
                                       HexEncode(object::ObjectHash(sealed))));
    COVEN_RETURN_IF_ERROR(
        db::SetState(conn_, "head_seq", std::to_string(pushed_seq)));
    return txn.Commit();
  }
  return Status::Ok();  // the next round writes the newest head
}

}  // namespace coven::engine
