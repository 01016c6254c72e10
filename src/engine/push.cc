// SyncEngine::Push: outbox objects -> home, then the head.
#include "db/sql.h"
#include "engine/sync_engine.h"

namespace coven::engine {

namespace {
struct Pending {
  std::int64_t seq;
  std::string path;
  Bytes object;
};
}  // namespace

Status SyncEngine::Push(RoundReport* report) {
  std::vector<Pending> pending;
  {
    std::lock_guard<std::recursive_mutex> lock(db_->write_mutex());
    COVEN_ASSIGN_OR_RETURN(
        db::Stmt stmt,
        db::Stmt::Prepare(conn_,
                          "SELECT seq, path, object FROM cloud_outbox "
                          "ORDER BY seq LIMIT 64"));
    while (true) {
      COVEN_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      pending.push_back(
          {stmt.ColumnInt(0), stmt.ColumnText(1), stmt.ColumnBlob(2)});
    }
  }
  for (const Pending& item : pending) {
    ++report->requests;
    Status created = home_->Create(item.path, item.object);
    if (created.code() == StatusCode::kAlreadyExists) {
      // Our own earlier attempt whose reply was lost, if the bytes match
      // (sealing is deterministic).
      ++report->requests;
      Result<Bytes> existing = home_->Get(item.path);
      if (!existing.ok()) {
        created = existing.status().Annotate("checking " + item.path);
      } else if (*existing == item.object) {
        created = Status::Ok();
      } else {
        created = FailedPreconditionError(
            home_->Describe() + " already holds a different object at " +
            item.path +
            ": another device is using this device's identity (a "
            "copied library directory?). Stop the other device and create a "
            "new identity for it");
      }
    }
    if (!created.ok()) {
      std::lock_guard<std::recursive_mutex> lock(db_->write_mutex());
      auto note = db::Stmt::Prepare(
          conn_,
          "UPDATE cloud_outbox SET attempts = attempts + 1, last_error "
          "= ? WHERE seq = ?");
      if (note.ok()) {
        note->Bind(1, created.ToString()).Bind(2, item.seq);
        note->Run().IgnoreError();
      }
      return created.Annotate("uploading " + item.path + " to " +
                              home_->Describe());
    }
    std::lock_guard<std::recursive_mutex> lock(db_->write_mutex());
    COVEN_ASSIGN_OR_RETURN(
        db::Stmt done,
        db::Stmt::Prepare(conn_, "DELETE FROM cloud_outbox WHERE seq = ?"));
    done.Bind(1, item.seq);
    COVEN_RETURN_IF_ERROR(done.Run());
    COVEN_RETURN_IF_ERROR(
        db::SetState(conn_, "pushed_seq", std::to_string(item.seq)));
    COVEN_RETURN_IF_ERROR(db::SetState(
        conn_, "pushed_hash", HexEncode(object::ObjectHash(item.object))));
    ++report->pushed_objects;
  }
  return WriteHead(report);
}

Status SyncEngine::WriteHead(RoundReport* report) {
  std::string pushed_seq, pushed_hash, head_seq;
  {
    std::lock_guard<std::recursive_mutex> lock(db_->write_mutex());
    COVEN_ASSIGN_OR_RETURN(auto seq, db::GetState(conn_, "pushed_seq"));
    COVEN_ASSIGN_OR_RETURN(auto hash, db::GetState(conn_, "pushed_hash"));
    COVEN_ASSIGN_OR_RETURN(auto head, db::GetState(conn_, "head_seq"));
    if (!seq || !hash) return Status::Ok();
    if (head && *head == *seq) return Status::Ok();
    pushed_seq = *seq;
    pushed_hash = *hash;
  }
  // A head names the latest stored log object: its seq and hash. It is
  // sealed with the newest key this device holds.
  Result<crypto::LibraryKey> key = membership_->CurrentKey();
  if (!key.ok()) return Status::Ok();  // written once the key arrives
  object::ObjectHeader header =
      OwnHeader(object::ObjectKind::kHead, std::stoull(pushed_seq), pushed_hash,
                key->id());
  const std::string path = HeadPath(device_);
  COVEN_ASSIGN_OR_RETURN(Bytes sealed, object::Seal(path, header, Bytes(), *key,
                                                    identity_.signer));
  ++report->requests;
  COVEN_RETURN_IF_ERROR(
      home_->Replace(path, sealed)
          .Annotate("writing head " + path + " to " + home_->Describe()));
  std::lock_guard<std::recursive_mutex> lock(db_->write_mutex());
  COVEN_RETURN_IF_ERROR(
      db::SetState(conn_, "head_size", std::to_string(sealed.size())));
  return db::SetState(conn_, "head_seq", pushed_seq);
}

}  // namespace coven::engine
