#include "engine/write_guard.h"

#include "db/sql.h"

namespace coven::engine {

namespace {

struct GuardFlags {
  std::shared_ptr<std::atomic<bool>> may_write;
  std::shared_ptr<std::atomic<bool>> applying;
};

void MayWrite(sqlite3_context* ctx, int, sqlite3_value**) {
  auto* flags = static_cast<GuardFlags*>(sqlite3_user_data(ctx));
  sqlite3_result_int(ctx, flags->may_write->load() || flags->applying->load());
}

constexpr const char* kOps[] = {"INSERT", "UPDATE", "DELETE"};

std::string TriggerName(const char* op, const std::string& table) {
  return db::QuoteIdentifier("_coven_guard_" + std::string(op) + "_" + table);
}

}  // namespace

Result<std::unique_ptr<WriteGuard>> WriteGuard::Install(
    sqlite3* conn, const std::vector<TableSchema>& tables,
    std::shared_ptr<std::atomic<bool>> applying) {
  auto may_write = std::make_shared<std::atomic<bool>>(true);
  auto* flags = new GuardFlags{may_write, std::move(applying)};
  int rc = sqlite3_create_function_v2(
      conn, "coven_may_write", 0, SQLITE_UTF8, flags, MayWrite, nullptr,
      nullptr, [](void* p) { delete static_cast<GuardFlags*>(p); });
  if (rc != SQLITE_OK) {
    return InternalError("registering coven_may_write: " +
                         std::string(sqlite3_errmsg(conn)));
  }
  std::vector<std::string> names;
  for (const TableSchema& table : tables) names.push_back(table.name);
  std::unique_ptr<WriteGuard> guard(
      new WriteGuard(conn, std::move(names), std::move(may_write)));
  // A guard of an earlier engine on this connection may have left its
  // triggers; they would still refuse (now through this guard's flags).
  guard->closed_ = true;
  COVEN_RETURN_IF_ERROR(guard->Set(true));
  return guard;
}

Status WriteGuard::Set(bool may_write) {
  may_write_->store(may_write);
  if (closed_ == !may_write) return Status::Ok();
  if (!sqlite3_get_autocommit(conn_)) return Status::Ok();  // later
  return may_write ? DropTriggers() : CreateTriggers();
}

Status WriteGuard::CreateTriggers() {
  std::string sql = "BEGIN;";
  for (const std::string& table : tables_) {
    for (const char* op : kOps) {
      sql += std::string("CREATE TEMP TRIGGER IF NOT EXISTS ") +
             TriggerName(op, table) + " BEFORE " + op + " ON main." +
             db::QuoteIdentifier(table) +
             " WHEN NOT coven_may_write() BEGIN SELECT RAISE(ABORT, '" +
             kWriteRefusedMessage + "'); END;";
    }
  }
  sql += "COMMIT;";
  Status status = db::Exec(conn_, sql);
  if (!status.ok()) {
    if (!sqlite3_get_autocommit(conn_)) {
      db::Exec(conn_, "ROLLBACK").IgnoreError();
    }
    return status.Annotate("closing synced tables to writes");
  }
  closed_ = true;
  return Status::Ok();
}

Status WriteGuard::DropTriggers() {
  std::string sql = "BEGIN;";
  for (const std::string& table : tables_) {
    for (const char* op : kOps) {
      sql += "DROP TRIGGER IF EXISTS temp." + TriggerName(op, table) + ";";
    }
  }
  sql += "COMMIT;";
  Status status = db::Exec(conn_, sql);
  if (!status.ok()) {
    if (!sqlite3_get_autocommit(conn_)) {
      db::Exec(conn_, "ROLLBACK").IgnoreError();
    }
    return status.Annotate("opening synced tables to writes");
  }
  closed_ = false;
  return Status::Ok();
}

}  // namespace coven::engine
