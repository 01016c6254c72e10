// SyncEngine: the member-log step of a round, and the home alarms.
#include "db/sql.h"
#include "engine/cursors.h"
#include "engine/sync_engine.h"

namespace coven::engine {

Status SyncEngine::RefreshMembers(RoundReport* report) {
  members::RefreshReport refresh;
  COVEN_RETURN_IF_ERROR(membership_->Refresh(&refresh));
  report->requests += refresh.requests;
  report->problems.insert(report->problems.end(), refresh.problems.begin(),
                          refresh.problems.end());
  report->alarms.insert(report->alarms.end(), refresh.alarms.begin(),
                        refresh.alarms.end());
  // Only a definite "no" closes the write guard; a device still enrolling
  // keeps its writes (they wait in the capture until it may publish).
  const bool may_write =
      membership_->CanWrite().code() != StatusCode::kPermissionDenied;
  std::lock_guard<std::recursive_mutex> lock(db_->write_mutex());
  Status guarded = guard_->Set(may_write);
  // Closed all the same (see write_guard.h): the round goes on.
  if (!guarded.ok()) report->problems.push_back(guarded.ToString());
  return Status::Ok();
}

Result<members::Cut> SyncEngine::LastAccepted(const crypto::PublicKey& device) {
  members::Cut cut{device, 0, {}};
  const std::uint64_t id = crypto::DeviceIdFor(device);
  std::lock_guard<std::recursive_mutex> lock(db_->write_mutex());
  if (id != device_) {
    COVEN_ASSIGN_OR_RETURN(Cursor cursor, LoadCursor(conn_, id));
    cut.seq = cursor.seq;
    cut.hash = cursor.hash;  // zero after a quarantined object: unchecked
    return cut;
  }
  // This device's own right to write ends (a self-demotion): what it wrote
  // so far is sealed first, so that none of it falls past the cut.
  COVEN_RETURN_IF_ERROR(FlushLocked().status());
  COVEN_ASSIGN_OR_RETURN(std::optional<OutboxItem> newest, outbox().Newest());
  if (newest) {
    cut.seq = newest->seq;
    cut.hash = object::ObjectHash(newest->object);
  }
  return cut;
}

Status SyncEngine::AcknowledgeAlarms() {
  std::lock_guard<std::recursive_mutex> lock(db_->write_mutex());
  COVEN_ASSIGN_OR_RETURN(db::Transaction txn, db::Transaction::Begin(conn_));
  COVEN_RETURN_IF_ERROR(db::SetState(conn_, "tamper_alarm", ""));
  COVEN_RETURN_IF_ERROR(db::SetState(conn_, "head_alarm", ""));
  COVEN_RETURN_IF_ERROR(db::SetState(conn_, "cut_alarm", ""));
  COVEN_RETURN_IF_ERROR(db::SetState(conn_, "member_rollback_alarm", ""));
  return txn.Commit();
}

std::vector<std::string> SyncEngine::Alarms() {
  std::vector<std::string> out;
  if (!membership_->alarm().empty()) out.push_back(membership_->alarm());
  if (std::string blocked = membership_->BlockedAlarm(); !blocked.empty()) {
    out.push_back(blocked);
  }
  std::lock_guard<std::recursive_mutex> lock(db_->write_mutex());
  Result<std::optional<std::string>> healed =
      db::GetState(conn_, "member_rollback_alarm");
  if (healed.ok() && *healed && !(*healed)->empty()) out.push_back(**healed);
  Result<std::optional<std::string>> heads = db::GetState(conn_, "head_alarm");
  if (heads.ok() && *heads && !(*heads)->empty()) out.push_back(**heads);
  Result<std::optional<std::string>> cut = db::GetState(conn_, "cut_alarm");
  if (cut.ok() && *cut && !(*cut)->empty()) out.push_back(**cut);
  Result<std::optional<std::string>> tamper =
      db::GetState(conn_, "tamper_alarm");
  if (tamper.ok() && *tamper && !(*tamper)->empty()) out.push_back(**tamper);
  return out;
}

}  // namespace coven::engine
