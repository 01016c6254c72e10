#include "todo_store.h"

#include <sqlite3.h>

namespace todos {

namespace {

// Runs one statement with text parameters; `want_change` makes "no such
// todo" an error.
coven::Status Run(coven::db::SqliteSyncDb& db, const char* sql,
                  const std::vector<std::string>& params, bool want_change,
                  const std::string& id) {
  return db.Write([&](sqlite3* conn) -> coven::Status {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(conn, sql, -1, &stmt, nullptr) != SQLITE_OK) {
      return coven::InternalError(sqlite3_errmsg(conn));
    }
    for (std::size_t i = 0; i < params.size(); ++i) {
      sqlite3_bind_text(stmt, static_cast<int>(i + 1), params[i].c_str(), -1,
                        SQLITE_TRANSIENT);
    }
    int rc = sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE) return coven::InternalError(sqlite3_errmsg(conn));
    if (want_change && sqlite3_changes(conn) == 0) {
      return coven::NotFoundError("no todo with id " + id);
    }
    return coven::Status::Ok();
  });
}

}  // namespace

// As in the reference example: the app stamps `_updated_at` with the HLC.
coven::Status AddTodo(coven::db::SqliteSyncDb& db, const std::string& id,
                      const std::string& title) {
  return Run(db,
             "INSERT INTO todos (id, title, completed, _updated_at) "
             "VALUES (?1, ?2, 0, coven_hlc()) "
             "ON CONFLICT(id) DO UPDATE SET title = excluded.title, "
             "_updated_at = excluded._updated_at",
             {id, title}, false, id);
}

coven::Status EditTodo(coven::db::SqliteSyncDb& db, const std::string& id,
                       const std::string& title) {
  return Run(
      db,
      "UPDATE todos SET title = ?2, _updated_at = coven_hlc() WHERE id = ?1",
      {id, title}, true, id);
}

coven::Status CompleteTodo(coven::db::SqliteSyncDb& db, const std::string& id) {
  return Run(
      db,
      "UPDATE todos SET completed = 1, _updated_at = coven_hlc() WHERE id = ?1",
      {id}, true, id);
}

coven::Status RemoveTodo(coven::db::SqliteSyncDb& db, const std::string& id) {
  return Run(db, "DELETE FROM todos WHERE id = ?1", {id}, true, id);
}

coven::Result<std::vector<Todo>> ListTodos(coven::db::SqliteSyncDb& db) {
  return db.Write([&](sqlite3* conn) -> coven::Result<std::vector<Todo>> {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(
            conn,
            "SELECT id, title, completed, _updated_at FROM todos "
            "ORDER BY id",
            -1, &stmt, nullptr) != SQLITE_OK) {
      return coven::InternalError(sqlite3_errmsg(conn));
    }
    std::vector<Todo> out;
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      Todo t;
      t.id = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
      t.title = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 1));
      t.completed = sqlite3_column_int(stmt, 2) != 0;
      t.updated_at =
          reinterpret_cast<const char*>(sqlite3_column_text(stmt, 3));
      out.push_back(std::move(t));
    }
    sqlite3_finalize(stmt);
    return out;
  });
}

}  // namespace todos
