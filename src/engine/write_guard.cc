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

// Runs `sql` (several statements) in one transaction of its own.
Status ExecInTransaction(sqlite3* conn, const std::string& sql) {
  Status status = db::Exec(conn, "BEGIN;" + sql + "COMMIT;");
  if (!status.ok() && !sqlite3_get_autocommit(conn)) {
    db::Exec(conn, "ROLLBACK").IgnoreError();
  }
  return status;
}

}  // namespace

Result<std::unique_ptr<WriteGuard>> WriteGuard::Install(
    sqlite3* conn, const std::vector<TableSchema>& tables,
    std::shared_ptr<std::atomic<bool>> applying) {
  std::vector<std::string> names;
  for (const TableSchema& table : tables) names.push_back(table.name);
  std::unique_ptr<WriteGuard> guard(
      new WriteGuard(conn, std::move(names), std::move(applying)));
  auto* flags = new GuardFlags{guard->may_write_, guard->applying_};
  int rc = sqlite3_create_function_v2(
      conn, "coven_may_write", 0, SQLITE_UTF8, flags, MayWrite, nullptr,
      nullptr, [](void* p) { delete static_cast<GuardFlags*>(p); });
  if (rc != SQLITE_OK) {
    return InternalError("registering coven_may_write: " +
                         std::string(sqlite3_errmsg(conn)));
  }
  // A guard of an earlier engine on this connection may have left its
  // triggers; they would still refuse (now through this guard's flags).
  guard->triggers_ = true;
  COVEN_RETURN_IF_ERROR(guard->Set(true));
  return guard;
}

WriteGuard::~WriteGuard() { SetAuthorizer(false); }

Status WriteGuard::Set(bool may_write) {
  may_write_->store(may_write);
  const bool idle = sqlite3_get_autocommit(conn_) != 0;
  if (may_write) {
    SetAuthorizer(false);
    // Left in place inside a transaction: they let writes through now.
    if (!triggers_ || !idle) return Status::Ok();
    return DropTriggers();
  }
  if (triggers_) {
    SetAuthorizer(false);
    return Status::Ok();
  }
  // Inside the host's transaction, or if the triggers cannot be created,
  // the authorizer refuses until a later call creates them.
  Status created = idle ? CreateTriggers() : Status::Ok();
  SetAuthorizer(!idle || !created.ok());
  return created;
}

Status WriteGuard::CreateTriggers() {
  std::string sql;
  for (const std::string& table : tables_) {
    for (const char* op : kOps) {
      sql += std::string("CREATE TEMP TRIGGER IF NOT EXISTS ") +
             TriggerName(op, table) + " BEFORE " + op + " ON main." +
             db::QuoteIdentifier(table) +
             " WHEN NOT coven_may_write() BEGIN SELECT RAISE(ABORT, '" +
             kWriteRefusedMessage + "'); END;";
    }
  }
  COVEN_RETURN_IF_ERROR(
      ExecInTransaction(conn_, sql)
          .Annotate("closing synced tables to writes (refused by an authorizer "
                    "until a "
                    "later round creates the write guard's triggers)"));
  triggers_ = true;
  return Status::Ok();
}

Status WriteGuard::DropTriggers() {
  std::string sql;
  for (const std::string& table : tables_) {
    for (const char* op : kOps) {
      sql += "DROP TRIGGER IF EXISTS temp." + TriggerName(op, table) + ";";
    }
  }
  COVEN_RETURN_IF_ERROR(
      ExecInTransaction(conn_, sql)
          .Annotate(
              "dropping the write guard's triggers (they stay, letting writes "
              "through)"));
  triggers_ = false;
  return Status::Ok();
}

void WriteGuard::SetAuthorizer(bool on) {
  if (authorizer_ == on) return;
  // Setting or clearing it expires every prepared statement: they are
  // prepared again, through the authorizer or without it, at their next
  // step.
  sqlite3_set_authorizer(conn_, on ? Authorize : nullptr, on ? this : nullptr);
  authorizer_ = on;
}

int WriteGuard::Authorize(void* self, int action, const char* table,
                          const char*, const char* database, const char*) {
  if (action != SQLITE_INSERT && action != SQLITE_UPDATE &&
      action != SQLITE_DELETE) {
    return SQLITE_OK;
  }
  auto* guard = static_cast<WriteGuard*>(self);
  if (guard->may_write_->load() || guard->applying_->load()) return SQLITE_OK;
  if (table == nullptr || database == nullptr ||
      sqlite3_stricmp(database, "main") != 0) {
    return SQLITE_OK;
  }
  for (const std::string& name : guard->tables_) {
    if (sqlite3_stricmp(name.c_str(), table) == 0) return SQLITE_DENY;
  }
  return SQLITE_OK;
}

}  // namespace coven::engine
