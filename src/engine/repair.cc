// SyncEngine self-repair: this device's own log in the home is compared with
// what this device knows it stored, and whatever the home lost or had
// replaced is stored again from the sent store (docs/format/home-repair.md).
//
// Runs in the first round after Open and then every
// EngineOptions::audit_interval_ms: one listing of log/<this device>/ plus
// one request per object to repair.
#include <map>

#include "db/sql.h"
#include "engine/sync_engine.h"

namespace coven::engine {

bool SyncEngine::IsOwnSignature(const std::string& path, const Bytes& bytes) {
  Result<object::ObjectHeader> header = object::ParseHeader(bytes);
  if (!header.ok() || header->author_device != device_ ||
      header->author_public_key != identity_.signer.public_key()) {
    return false;
  }
  // The signature is checked before the key lookup: a key this device does
  // not hold (kNotFound) still means a valid signature.
  object::OpenLimits limits;
  limits.max_object_bytes = options_.max_object_bytes;
  limits.max_payload_bytes = options_.max_payload_bytes;
  Result<Bytes> opened =
      object::Open(path, bytes, KeyLookup(), nullptr, limits);
  return opened.ok() || opened.status().code() == StatusCode::kNotFound;
}

void SyncEngine::RaiseTamperAlarm(const std::string& what,
                                  RoundReport* report) {
  report->problems.push_back("TAMPERING: " + what);
  std::lock_guard<std::recursive_mutex> lock(db_->write_mutex());
  db::SetState(conn_, "tamper_alarm",
               what + " (at " + std::to_string(clock_->NowMillis()) +
                   " ms); if you did not restore or edit the home yourself, "
                   "someone who can write it did")
      .IgnoreError();
}

Status SyncEngine::AdoptStoredObjects(
    const std::map<std::uint64_t, std::uint64_t>& listed, RoundReport* report) {
  // Objects in the home beyond pushed_seq that left the outbox without their
  // bookkeeping (databases written before push bookkeeping became one
  // transaction): adopt them if they continue this device's chain.
  std::lock_guard<std::recursive_mutex> lock(db_->write_mutex());
  COVEN_ASSIGN_OR_RETURN(std::uint64_t pushed,
                         db::GetStateNumber(conn_, "pushed_seq"));
  COVEN_ASSIGN_OR_RETURN(std::uint64_t local,
                         db::GetStateNumber(conn_, "local_seq"));
  COVEN_ASSIGN_OR_RETURN(auto pushed_hash, db::GetState(conn_, "pushed_hash"));
  std::string chain = pushed_hash.value_or("");
  for (std::uint64_t seq = pushed + 1; seq <= local; ++seq) {
    COVEN_ASSIGN_OR_RETURN(
        db::Stmt queued,
        db::Stmt::Prepare(conn_, "SELECT 1 FROM cloud_outbox WHERE seq = ?"));
    queued.Bind(1, static_cast<std::int64_t>(seq));
    COVEN_ASSIGN_OR_RETURN(bool in_outbox, queued.Step());
    if (in_outbox || listed.count(seq) == 0) break;
    const std::string path = LogPath(device_, seq);
    ++report->requests;
    Result<Bytes> bytes = home_->Get(path);
    if (!bytes.ok()) break;
    Result<object::ObjectHeader> header = object::ParseHeader(*bytes);
    if (!header.ok() || header->seq != seq || !IsOwnSignature(path, *bytes) ||
        (!chain.empty() && HexEncode(header->prev_hash) != chain)) {
      break;
    }
    COVEN_ASSIGN_OR_RETURN(db::Transaction txn, db::Transaction::Begin(conn_));
    COVEN_ASSIGN_OR_RETURN(
        db::Stmt keep,
        db::Stmt::Prepare(conn_,
                          "INSERT OR REPLACE INTO _coven_sent(seq, path, "
                          "object, sent_ms) VALUES(?, ?, ?, ?)"));
    keep.Bind(1, static_cast<std::int64_t>(seq))
        .Bind(2, path)
        .BindBlob(3, *bytes)
        .Bind(4, clock_->NowMillis());
    COVEN_RETURN_IF_ERROR(keep.Run());
    chain = HexEncode(object::ObjectHash(*bytes));
    COVEN_RETURN_IF_ERROR(
        db::SetState(conn_, "pushed_seq", std::to_string(seq)));
    COVEN_RETURN_IF_ERROR(db::SetState(conn_, "pushed_hash", chain));
    COVEN_RETURN_IF_ERROR(txn.Commit());
    report->problems.push_back("recovered the bookkeeping of " + path +
                               ", stored before an interrupted round");
  }
  return Status::Ok();
}

Status SyncEngine::AuditOwnHead(RoundReport* report) {
  // Heads all have one size, so the listing cannot tell an old head (a home
  // restored from a backup) from the current one: compare the bytes.
  std::string written;
  {
    std::lock_guard<std::recursive_mutex> lock(db_->write_mutex());
    COVEN_ASSIGN_OR_RETURN(auto hash, db::GetState(conn_, "head_hash"));
    if (!hash || hash->empty()) return Status::Ok();
    written = *hash;
  }
  ++report->requests;
  Result<Bytes> head = home_->Get(HeadPath(device_));
  if (head.ok() && HexEncode(object::ObjectHash(*head)) == written) {
    return Status::Ok();
  }
  if (!head.ok() && head.status().code() != StatusCode::kNotFound) {
    return head.status().Annotate("reading this device's head");
  }
  report->problems.push_back("this device's head in " + home_->Describe() +
                             " is missing or not the one it wrote last; "
                             "rewriting it");
  std::lock_guard<std::recursive_mutex> lock(db_->write_mutex());
  COVEN_RETURN_IF_ERROR(db::SetState(conn_, "head_seq", ""));
  return db::SetState(conn_, "head_hash", "");
}

Status SyncEngine::AuditOwnLog(RoundReport* report) {
  const std::string prefix = "log/" + DeviceIdToHex(device_) + "/";
  ++report->requests;
  COVEN_ASSIGN_OR_RETURN(std::vector<home::ObjectInfo> objects,
                         home::ListAll(*home_, prefix));
  std::map<std::uint64_t, std::uint64_t> listed;  // seq -> size
  for (const home::ObjectInfo& info : objects) {
    auto seq =
        DeviceIdFromHex(std::string_view(info.path).substr(prefix.size()));
    if (seq) listed[*seq] = info.size;
  }
  COVEN_RETURN_IF_ERROR(AdoptStoredObjects(listed, report));
  COVEN_RETURN_IF_ERROR(AuditOwnHead(report));

  // What the sent store holds and the listing lacks (or shows at another
  // size) is stored again. Sizes come from the database without the bytes.
  struct Damaged {
    std::uint64_t seq;
    bool missing;
  };
  std::vector<Damaged> damaged;
  std::uint64_t pushed = 0;
  std::uint64_t retained_from = 0;
  {
    std::lock_guard<std::recursive_mutex> lock(db_->write_mutex());
    COVEN_ASSIGN_OR_RETURN(pushed, db::GetStateNumber(conn_, "pushed_seq"));
    COVEN_ASSIGN_OR_RETURN(
        db::Stmt stmt,
        db::Stmt::Prepare(conn_,
                          "SELECT seq, length(object) FROM _coven_sent WHERE "
                          "seq <= ? ORDER BY seq"));
    stmt.Bind(1, static_cast<std::int64_t>(pushed));
    while (true) {
      COVEN_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      const auto seq = static_cast<std::uint64_t>(stmt.ColumnInt(0));
      const auto size = static_cast<std::uint64_t>(stmt.ColumnInt(1));
      if (retained_from == 0) retained_from = seq;
      auto found = listed.find(seq);
      if (found == listed.end()) {
        damaged.push_back({seq, true});
      } else if (found->second != size) {
        damaged.push_back({seq, false});
      }
    }
  }
  for (std::uint64_t seq = 1; seq <= pushed && seq < retained_from; ++seq) {
    if (listed.count(seq) == 0) {
      report->problems.push_back(
          "this device's " + LogPath(device_, seq) + " is missing from " +
          home_->Describe() +
          " and was stored before this version kept copies; it cannot be "
          "restored");
    }
  }
  if (damaged.empty()) return Status::Ok();
  std::size_t restored = 0;
  for (const Damaged& d : damaged) {
    Bytes bytes;
    {
      std::lock_guard<std::recursive_mutex> lock(db_->write_mutex());
      COVEN_ASSIGN_OR_RETURN(
          db::Stmt stmt,
          db::Stmt::Prepare(conn_,
                            "SELECT object FROM _coven_sent WHERE seq = ?"));
      stmt.Bind(1, static_cast<std::int64_t>(d.seq));
      COVEN_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) continue;
      bytes = stmt.ColumnBlob(0);
    }
    const std::string path = LogPath(device_, d.seq);
    COVEN_RETURN_IF_ERROR(StoreOwnObject(path, bytes, report));
    ++restored;
  }
  std::size_t missing = 0;
  for (const Damaged& d : damaged) missing += d.missing ? 1 : 0;
  report->problems.push_back(
      "repaired " + home_->Describe() + ": stored " + std::to_string(restored) +
      " of this device's objects again (" + std::to_string(missing) +
      " missing, " + std::to_string(damaged.size() - missing) +
      " replaced by other bytes), seq " + std::to_string(damaged.front().seq) +
      " to " + std::to_string(damaged.back().seq));
  return Status::Ok();
}

}  // namespace coven::engine
