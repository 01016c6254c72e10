// The todo app's own data layer: its schema and SQL. coven never sees this
// code; it captures the writes on the connection.
#ifndef COVEN_EXAMPLES_TODOS_TODO_STORE_H_
#define COVEN_EXAMPLES_TODOS_TODO_STORE_H_

#include <string>
#include <vector>

#include "coven/db.h"
#include "coven/status.h"

namespace todos {

// The schema of the reference example.
inline constexpr const char* kAppSchema = R"sql(
CREATE TABLE IF NOT EXISTS todos (
  id TEXT PRIMARY KEY,
  title TEXT NOT NULL,
  completed INTEGER NOT NULL DEFAULT 0,
  _updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS todo_attachments (
  id TEXT PRIMARY KEY,
  todo_id TEXT NOT NULL,
  file_name TEXT NOT NULL,
  local_path TEXT NOT NULL,
  _updated_at TEXT NOT NULL
);
)sql";

struct Todo {
  std::string id;
  std::string title;
  bool completed = false;
  std::string updated_at;
};

coven::Status AddTodo(coven::db::SqliteSyncDb& db, const std::string& id,
                      const std::string& title);
coven::Status EditTodo(coven::db::SqliteSyncDb& db, const std::string& id,
                       const std::string& title);
coven::Status CompleteTodo(coven::db::SqliteSyncDb& db, const std::string& id);
coven::Status RemoveTodo(coven::db::SqliteSyncDb& db, const std::string& id);
coven::Result<std::vector<Todo>> ListTodos(coven::db::SqliteSyncDb& db);

}  // namespace todos

#endif  // COVEN_EXAMPLES_TODOS_TODO_STORE_H_
