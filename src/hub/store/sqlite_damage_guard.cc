#include "hub/store/sqlite_damage_guard.h"

#include <sqlite3.h>

#include <algorithm>
#include <utility>

#include "db/sql.h"

namespace coven::hub::store {

bool IsSqliteDamage(const Status& status) {
  const std::optional<int> rc = db::SqliteCodeOf(status);
  if (!rc) return false;
  const int primary = *rc & 0xff;
  return primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB ||
         primary == SQLITE_IOERR;
}

Status StoreDamagedError() {
  return UnavailableError(
      "the hub's store is damaged, so the hub cannot serve this request: "
      "its operator must stop the hub and restore its store from a backup. "
      "Nothing on this device is lost; sync again once the hub is restored");
}

void SqliteDamageGuard::OnDamaged(
    std::function<void(const std::string&)> report) {
  std::function<void(const std::string&)> deliver;
  std::string pending;
  {
    std::lock_guard lock(mutex_);
    report_ = std::move(report);
    if (!report_) return;
    deliver = report_;
    pending = std::exchange(pending_, std::string());
  }
  if (!pending.empty()) deliver(pending);
}

Status SqliteDamageGuard::Failed(Status status) {
  if (!IsSqliteDamage(status)) return status;
  std::string message = status.message();
  std::replace(message.begin(), message.end(), '"', '\'');
  std::replace(message.begin(), message.end(), '\n', ' ');
  const std::string detail =
      "error=\"" + message +
      "\" advice=\"stop the hub and restore hub.db from a backup\"";
  std::function<void(const std::string&)> report;
  {
    std::lock_guard lock(mutex_);
    if (damaged_) return StoreDamagedError();
    damaged_ = true;
    if (report_) {
      report = report_;
    } else {
      pending_ = detail;
    }
  }
  if (report) report(detail);
  return StoreDamagedError();
}

}  // namespace coven::hub::store
