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

}  // namespace

Status InstallWriteGuard(sqlite3* conn, const std::vector<TableSchema>& tables,
                         std::shared_ptr<std::atomic<bool>> may_write,
                         std::shared_ptr<std::atomic<bool>> applying) {
  auto* flags = new GuardFlags{std::move(may_write), std::move(applying)};
  int rc = sqlite3_create_function_v2(
      conn, "coven_may_write", 0, SQLITE_UTF8, flags, MayWrite, nullptr,
      nullptr, [](void* p) { delete static_cast<GuardFlags*>(p); });
  if (rc != SQLITE_OK) {
    return InternalError("registering coven_may_write: " +
                         std::string(sqlite3_errmsg(conn)));
  }
  for (const TableSchema& table : tables) {
    for (const char* op : {"INSERT", "UPDATE", "DELETE"}) {
      const std::string sql =
          std::string("CREATE TEMP TRIGGER IF NOT EXISTS ") +
          db::QuoteIdentifier("_coven_guard_" + std::string(op) + "_" +
                              table.name) +
          " BEFORE " + op + " ON main." + db::QuoteIdentifier(table.name) +
          " WHEN NOT coven_may_write() BEGIN SELECT RAISE(ABORT, '" +
          kWriteRefusedMessage + "'); END";
      COVEN_RETURN_IF_ERROR(db::Exec(conn, sql));
    }
  }
  return Status::Ok();
}

}  // namespace coven::engine
