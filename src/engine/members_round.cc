// SyncEngine: the member-log step of a round, and the home alarms.
#include "db/sql.h"
#include "engine/sync_engine.h"

namespace coven::engine {

Status SyncEngine::RefreshMembers(RoundReport* report) {
  members::RefreshReport refresh;
  COVEN_RETURN_IF_ERROR(membership_->Refresh(&refresh));
  report->requests += refresh.requests;
  report->problems.insert(report->problems.end(), refresh.problems.begin(),
                          refresh.problems.end());
  // Only a definite "no" closes the write guard; a device still enrolling
  // keeps its writes (they wait in the capture until it may publish).
  may_write_->store(membership_->CanWrite().code() !=
                    StatusCode::kPermissionDenied);
  return Status::Ok();
}

Status SyncEngine::AcknowledgeAlarms() {
  std::lock_guard<std::recursive_mutex> lock(db_->write_mutex());
  COVEN_ASSIGN_OR_RETURN(db::Transaction txn, db::Transaction::Begin(conn_));
  COVEN_RETURN_IF_ERROR(db::SetState(conn_, "tamper_alarm", ""));
  COVEN_RETURN_IF_ERROR(db::SetState(conn_, "head_alarm", ""));
  return txn.Commit();
}

std::vector<std::string> SyncEngine::Alarms() {
  std::vector<std::string> out;
  if (!membership_->alarm().empty()) out.push_back(membership_->alarm());
  std::lock_guard<std::recursive_mutex> lock(db_->write_mutex());
  Result<std::optional<std::string>> heads = db::GetState(conn_, "head_alarm");
  if (heads.ok() && *heads && !(*heads)->empty()) out.push_back(**heads);
  Result<std::optional<std::string>> tamper =
      db::GetState(conn_, "tamper_alarm");
  if (tamper.ok() && *tamper && !(*tamper)->empty()) out.push_back(**tamper);
  return out;
}

}  // namespace coven::engine
