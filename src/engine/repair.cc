// SyncEngine self-repair: this device's own log in the home is compared with
// what this device knows it stored, and whatever the home lost or had
// replaced is stored again from the sent store (docs/format/home-repair.md).
//
// Runs in the first round after Open, after a lost own head, and then every
// EngineOptions::audit_interval_ms. Bounded work per audit: one paged
// listing of log/<this device>/ up to its last seq, kVerifiedPerAudit
// objects read back and compared byte for byte, kRepairsPerAudit objects
// stored again (the rest in the next round).
#include <algorithm>
#include <map>

#include "db/sql.h"
#include "engine/sync_engine.h"
#include "home/read_limits.h"

namespace coven::engine {

namespace {

// Objects read back per audit: the newest few, and a window that moves
// through the whole log from audit to audit (a same-size replacement does
// not show in a listing).
constexpr std::size_t kVerifiedNewest = 8;
constexpr std::size_t kVerifiedWindow = 24;
constexpr std::size_t kRepairsPerAudit = 256;
constexpr std::size_t kListPage = 1000;

}  // namespace

Result<std::map<std::uint64_t, std::uint64_t>> SyncEngine::ListOwnLog(
    std::uint64_t last_seq, RoundReport* report) {
  const std::string prefix = home::layout::LogPrefix(device_);
  const std::string last = LogPath(device_, last_seq);
  std::map<std::uint64_t, std::uint64_t> listed;  // seq -> size
  std::string after;
  while (true) {
    ++report->requests;
    COVEN_ASSIGN_OR_RETURN(home::ListPage page,
                           home_->List(prefix, after, kListPage));
    for (const home::ObjectInfo& info : page.objects) {
      if (info.path > last) return listed;  // beyond what this device wrote
      auto seq = home::layout::ParseLogSeq(device_, info.path);
      if (seq && *seq >= 1) listed[*seq] = info.size;
    }
    if (!page.truncated || page.objects.empty()) return listed;
    after = page.objects.back().path;
  }
}

Status SyncEngine::AdoptStoredObjects(
    const std::map<std::uint64_t, std::uint64_t>& listed, RoundReport* report) {
  // Objects in the home beyond pushed_seq that left the outbox without their
  // bookkeeping (databases written before push bookkeeping became one
  // transaction): adopt them if they continue this device's chain.
  while (true) {
    std::uint64_t seq = 0;
    std::string chain;
    {
      std::lock_guard<std::recursive_mutex> lock(db_->write_mutex());
      COVEN_ASSIGN_OR_RETURN(std::uint64_t pushed,
                             db::GetStateNumber(conn_, "pushed_seq"));
      COVEN_ASSIGN_OR_RETURN(std::uint64_t local,
                             db::GetStateNumber(conn_, "local_seq"));
      COVEN_ASSIGN_OR_RETURN(auto hash, db::GetState(conn_, "pushed_hash"));
      seq = pushed + 1;
      if (seq > local || listed.count(seq) == 0) return Status::Ok();
      COVEN_ASSIGN_OR_RETURN(bool in_outbox, outbox().Contains(seq));
      if (in_outbox) return Status::Ok();
      chain = hash.value_or("");
    }
    const std::string path = LogPath(device_, seq);
    Result<Bytes> bytes = ReadOccupant(path, report);
    if (!bytes.ok()) return Status::Ok();
    Result<object::ObjectHeader> header = object::ParseHeader(*bytes);
    if (!header.ok() || header->seq != seq || !IsOwnSignature(path, *bytes) ||
        (!chain.empty() && HexEncode(header->prev_hash) != chain)) {
      return Status::Ok();
    }
    std::lock_guard<std::recursive_mutex> lock(db_->write_mutex());
    COVEN_ASSIGN_OR_RETURN(db::Transaction txn, db::Transaction::Begin(conn_));
    COVEN_ASSIGN_OR_RETURN(std::uint64_t pushed,
                           db::GetStateNumber(conn_, "pushed_seq"));
    if (pushed + 1 != seq) return Status::Ok();  // another process moved on
    COVEN_RETURN_IF_ERROR(
        outbox().KeepSent(seq, path, *bytes, clock_->NowMillis()));
    COVEN_RETURN_IF_ERROR(
        db::SetState(conn_, "pushed_seq", std::to_string(seq)));
    COVEN_RETURN_IF_ERROR(db::SetState(conn_, "pushed_hash",
                                       HexEncode(object::ObjectHash(*bytes))));
    COVEN_RETURN_IF_ERROR(txn.Commit());
    report->problems.push_back("recovered the bookkeeping of " + path +
                               ", stored before an interrupted round");
  }
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
  // Over the limit is not the head this device wrote: rewritten below.
  Result<Bytes> head = home_->Get(HeadPath(device_), home::kMaxHeadBytes);
  if (head.ok() && HexEncode(object::ObjectHash(*head)) == written) {
    return Status::Ok();
  }
  if (!head.ok() && head.status().code() != StatusCode::kNotFound &&
      head.status().code() != StatusCode::kResourceExhausted) {
    return head.status().Annotate("reading this device's head");
  }
  report->problems.push_back("this device's head in " + home_->Describe() +
                             " is missing or not the one it wrote last; "
                             "rewriting it");
  std::lock_guard<std::recursive_mutex> lock(db_->write_mutex());
  COVEN_RETURN_IF_ERROR(db::SetState(conn_, "head_seq", ""));
  return db::SetState(conn_, "head_hash", "");
}

Result<Bytes> SyncEngine::SentObject(std::uint64_t seq) {
  std::lock_guard<std::recursive_mutex> lock(db_->write_mutex());
  return outbox().Sent(seq);
}

Status SyncEngine::AuditOwnLog(RoundReport* report) {
  audit_incomplete_ = false;
  std::uint64_t last = 0;
  {
    std::lock_guard<std::recursive_mutex> lock(db_->write_mutex());
    COVEN_ASSIGN_OR_RETURN(std::uint64_t pushed,
                           db::GetStateNumber(conn_, "pushed_seq"));
    COVEN_ASSIGN_OR_RETURN(std::uint64_t local,
                           db::GetStateNumber(conn_, "local_seq"));
    last = std::max(pushed, local);
  }
  if (last == 0) return AuditOwnHead(report);
  COVEN_ASSIGN_OR_RETURN(auto listed, ListOwnLog(last, report));
  COVEN_RETURN_IF_ERROR(AdoptStoredObjects(listed, report));
  COVEN_RETURN_IF_ERROR(AuditOwnHead(report));

  // What the sent store holds and the listing lacks (or shows at another
  // size) is stored again. Sizes come from the database without the bytes.
  std::vector<std::uint64_t> damaged;  // missing or resized
  std::size_t missing = 0;
  std::vector<std::uint64_t> same_size;
  std::uint64_t pushed = 0;
  std::uint64_t retained_from = 0;
  std::uint64_t verify_after = 0;
  {
    std::lock_guard<std::recursive_mutex> lock(db_->write_mutex());
    COVEN_ASSIGN_OR_RETURN(pushed, db::GetStateNumber(conn_, "pushed_seq"));
    COVEN_ASSIGN_OR_RETURN(verify_after,
                           db::GetStateNumber(conn_, "audit_verified_through"));
    COVEN_ASSIGN_OR_RETURN(auto sizes, outbox().SentSizes(pushed));
    for (const auto& [seq, size] : sizes) {
      if (retained_from == 0) retained_from = seq;
      auto found = listed.find(seq);
      if (found == listed.end()) {
        damaged.push_back(seq);
        ++missing;
      } else if (found->second != size) {
        damaged.push_back(seq);
      } else {
        same_size.push_back(seq);
      }
    }
  }
  // Objects sent before this version kept copies cannot come back.
  const std::uint64_t unkept_until =
      retained_from == 0 ? pushed : retained_from - 1;
  std::size_t unkept_lost = 0;
  for (std::uint64_t seq = 1; seq <= unkept_until; ++seq) {
    if (listed.count(seq) == 0) ++unkept_lost;
  }
  if (unkept_lost > 0) {
    report->problems.push_back(
        std::to_string(unkept_lost) + " of this device's objects up to seq " +
        std::to_string(unkept_until) + " are missing from " +
        home_->Describe() +
        " and were stored before this version kept copies: they cannot be "
        "restored, and devices that have not applied them wait at the first");
  }

  // Read back the newest objects and a moving window of older ones.
  std::vector<std::uint64_t> verify;
  const std::size_t newest = std::min(kVerifiedNewest, same_size.size());
  verify.assign(same_size.end() - newest, same_size.end());
  auto from = std::upper_bound(same_size.begin(), same_size.end() - newest,
                               verify_after);
  std::uint64_t verified_through = 0;
  for (std::size_t n = 0;
       n < kVerifiedWindow && from != same_size.end() - newest; ++n, ++from) {
    verify.push_back(*from);
    verified_through = *from;
  }
  for (std::uint64_t seq : verify) {
    ++report->requests;
    // Over the limit (larger than the object kept) counts as damaged.
    COVEN_ASSIGN_OR_RETURN(Bytes kept, SentObject(seq));
    Result<Bytes> there = home_->Get(LogPath(device_, seq), kept.size());
    if (!there.ok() && there.status().code() != StatusCode::kNotFound &&
        there.status().code() != StatusCode::kResourceExhausted) {
      return there.status().Annotate("reading back " + LogPath(device_, seq));
    }
    if (!there.ok() || *there != kept) damaged.push_back(seq);
  }
  {
    std::lock_guard<std::recursive_mutex> lock(db_->write_mutex());
    COVEN_RETURN_IF_ERROR(db::SetState(conn_, "audit_verified_through",
                                       std::to_string(verified_through)));
  }
  if (damaged.empty()) return Status::Ok();

  std::sort(damaged.begin(), damaged.end());
  if (damaged.size() > kRepairsPerAudit) {
    damaged.resize(kRepairsPerAudit);
    audit_incomplete_ = true;  // the next round continues
  }
  std::size_t restored = 0;
  for (std::uint64_t seq : damaged) {
    COVEN_ASSIGN_OR_RETURN(Bytes bytes, SentObject(seq));
    COVEN_ASSIGN_OR_RETURN(
        Stored stored, StoreOwnObject(LogPath(device_, seq), bytes, report));
    if (stored != Stored::kAlreadyThere) ++restored;
  }
  if (restored == 0) return Status::Ok();  // a lagging listing, nothing lost
  report->problems.push_back(
      "repaired " + home_->Describe() + ": stored " + std::to_string(restored) +
      " of this device's objects again (" + std::to_string(missing) +
      " were missing), seq " + std::to_string(damaged.front()) + " to " +
      std::to_string(damaged.back()) +
      (audit_incomplete_ ? "; more in the next round" : ""));
  return Status::Ok();
}

}  // namespace coven::engine
