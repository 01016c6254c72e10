// The SQLite store behind a guard against a damaged hub.db: a file
// overwritten, truncated or unreadable while the hub runs fails every call
// that touches it with SQLITE_CORRUPT, SQLITE_NOTADB or SQLITE_IOERR. Those
// become one error that devices can act on (without the file's path or
// SQLite's words), and one report for the operator (Store::OnDamaged).
#ifndef COVEN_HUB_STORE_SQLITE_DAMAGE_GUARD_H_
#define COVEN_HUB_STORE_SQLITE_DAMAGE_GUARD_H_

#include <functional>
#include <mutex>
#include <string>

#include "hub/store/forwarding_store.h"

namespace coven::hub::store {

/// Whether `status` is SQLite saying its file is damaged or unreadable.
bool IsSqliteDamage(const Status& status);

/// What devices are told while the store is damaged (kUnavailable).
Status StoreDamagedError();

/// Wraps the SQLite store `inner`. The report: `error="<SQLite's>"
/// advice="..."`; the store's Describe() names the file.
class SqliteDamageGuard final : public ForwardingStore {
 public:
  explicit SqliteDamageGuard(StoreRef inner)
      : ForwardingStore(std::move(inner)) {}

  void OnDamaged(std::function<void(const std::string&)> report) override;

 protected:
  Status Failed(Status status) override;

 private:
  std::mutex mutex_;
  std::function<void(const std::string&)> report_;  // Guarded by mutex_.
  std::string pending_;   // A report not delivered yet; guarded by mutex_.
  bool damaged_ = false;  // Guarded by mutex_.
};

}  // namespace coven::hub::store

#endif  // COVEN_HUB_STORE_SQLITE_DAMAGE_GUARD_H_
