#include "db/sql.h"

#include <charconv>
#include <system_error>
#include <utility>

namespace coven::db {

Status SqliteError(sqlite3* db, int rc, std::string_view context) {
  std::string message(context);
  message += ": ";
  // After a rollback the connection's message may already be reset ("not an
  // error"); the code's own description is better then.
  const char* detail = db ? sqlite3_errmsg(db) : nullptr;
  if (detail == nullptr || std::string_view(detail) == "not an error") {
    detail = sqlite3_errstr(rc);
  }
  message += detail;
  message += " (sqlite code " + std::to_string(rc) + ")";
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return UnavailableError(message + "; the database is busy, retry");
    case SQLITE_FULL:
      return ResourceExhaustedError(message + "; free disk space and retry");
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return DataLossError(message);
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH:
      return PermissionDeniedError(message);
    case SQLITE_IOERR:
      return UnavailableError(message);
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
    case SQLITE_RANGE:
      return InvalidArgumentError(message);
    case SQLITE_SCHEMA:
      return FailedPreconditionError(message);
    default:
      return InternalError(message);
  }
}

std::optional<int> SqliteCodeOf(const Status& status) {
  constexpr std::string_view kTag = "(sqlite code ";
  const std::string& message = status.message();
  const std::size_t at = message.rfind(kTag);
  if (status.ok() || at == std::string::npos) return std::nullopt;
  const char* first = message.data() + at + kTag.size();
  const char* last = message.data() + message.size();
  int rc = 0;
  const auto [end, error] = std::from_chars(first, last, rc);
  if (error != std::errc() || end == last || *end != ')') return std::nullopt;
  return rc;
}

Status Exec(sqlite3* db, std::string_view sql) {
  std::string text(sql);
  char* err = nullptr;
  int rc = sqlite3_exec(db, text.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string context = "executing SQL `" + text.substr(0, 80) + "`";
    sqlite3_free(err);
    return SqliteError(db, rc, context);
  }
  return Status::Ok();
}

Stmt::Stmt(Stmt&& other) noexcept
    : db_(other.db_),
      stmt_(std::exchange(other.stmt_, nullptr)),
      sql_(std::move(other.sql_)) {}

Stmt& Stmt::operator=(Stmt&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    db_ = other.db_;
    stmt_ = std::exchange(other.stmt_, nullptr);
    sql_ = std::move(other.sql_);
  }
  return *this;
}

Stmt::~Stmt() { sqlite3_finalize(stmt_); }

Result<Stmt> Stmt::Prepare(sqlite3* db, std::string_view sql) {
  Stmt s;
  s.db_ = db;
  s.sql_ = std::string(sql);
  int rc =
      sqlite3_prepare_v3(db, s.sql_.data(), static_cast<int>(s.sql_.size()),
                         SQLITE_PREPARE_PERSISTENT, &s.stmt_, nullptr);
  if (rc != SQLITE_OK) {
    return SqliteError(db, rc, "preparing `" + s.sql_.substr(0, 120) + "`");
  }
  return s;
}

Stmt& Stmt::Bind(int index, std::int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}
Stmt& Stmt::Bind(int index, std::string_view text) {
  sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT,
                      SQLITE_UTF8);
  return *this;
}
Stmt& Stmt::BindBlob(int index, ByteView blob) {
  sqlite3_bind_blob64(stmt_, index, blob.data(), blob.size(), SQLITE_TRANSIENT);
  return *this;
}
Stmt& Stmt::BindNull(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}
Stmt& Stmt::BindValue(int index, sqlite3_value* value) {
  sqlite3_bind_value(stmt_, index, value);
  return *this;
}

Result<bool> Stmt::Step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  Status status = SqliteError(db_, rc, "running `" + sql_.substr(0, 120) + "`");
  sqlite3_reset(stmt_);
  return status;
}

Status Stmt::Run() {
  while (true) {
    Result<bool> row = Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
  }
  Reset();
  return Status::Ok();
}

void Stmt::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::int64_t Stmt::ColumnInt(int col) const {
  return sqlite3_column_int64(stmt_, col);
}
std::string Stmt::ColumnText(int col) const {
  const unsigned char* text = sqlite3_column_text(stmt_, col);
  int n = sqlite3_column_bytes(stmt_, col);
  return text ? std::string(reinterpret_cast<const char*>(text), n)
              : std::string();
}
Bytes Stmt::ColumnBlob(int col) const {
  const auto* data =
      static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt_, col));
  int n = sqlite3_column_bytes(stmt_, col);
  return data ? Bytes(data, data + n) : Bytes();
}
bool Stmt::ColumnIsNull(int col) const {
  return sqlite3_column_type(stmt_, col) == SQLITE_NULL;
}
int Stmt::ColumnCount() const { return sqlite3_column_count(stmt_); }
sqlite3_value* Stmt::ColumnValue(int col) const {
  return sqlite3_column_value(stmt_, col);
}

Result<Transaction> Transaction::Begin(sqlite3* db) {
  COVEN_RETURN_IF_ERROR(Exec(db, "BEGIN IMMEDIATE"));
  return Transaction(db);
}

Transaction::Transaction(Transaction&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)) {}

Transaction::~Transaction() {
  if (db_ != nullptr && !sqlite3_get_autocommit(db_)) {
    Exec(db_, "ROLLBACK").IgnoreError();
  }
}

Status Transaction::Commit() {
  Status status = Exec(db_, "COMMIT");
  if (status.ok()) db_ = nullptr;
  return status;
}

std::string QuoteIdentifier(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

Result<Stmt> PrepareTombstoneUpsert(sqlite3* db) {
  return Stmt::Prepare(db,
                       "INSERT INTO _coven_tombstones(tbl, pk, hlc) "
                       "VALUES(?, ?, ?) ON CONFLICT(tbl, pk) DO UPDATE "
                       "SET hlc = max(hlc, excluded.hlc)");
}

Result<std::optional<std::string>> GetState(sqlite3* db, std::string_view key) {
  COVEN_ASSIGN_OR_RETURN(
      Stmt stmt,
      Stmt::Prepare(db, "SELECT value FROM sync_state WHERE key = ?"));
  stmt.Bind(1, key);
  COVEN_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return std::optional<std::string>();
  return std::optional<std::string>(stmt.ColumnText(0));
}

Result<std::uint64_t> GetStateNumber(sqlite3* db, std::string_view key) {
  COVEN_ASSIGN_OR_RETURN(std::optional<std::string> text, GetState(db, key));
  if (!text || text->empty()) return std::uint64_t{0};
  std::uint64_t value = 0;
  const char* end = text->data() + text->size();
  const auto [ptr, ec] = std::from_chars(text->data(), end, value);
  if (ec != std::errc() || ptr != end) {
    return DataLossError(
        "sync_state `" + std::string(key) + "` holds `" + *text +
        "`, not a decimal number: the database was damaged or edited by "
        "hand; restore the database from a backup");
  }
  return value;
}

Status SetState(sqlite3* db, std::string_view key, std::string_view value) {
  COVEN_ASSIGN_OR_RETURN(
      Stmt stmt,
      Stmt::Prepare(db,
                    "INSERT INTO sync_state(key, value) VALUES(?, ?) "
                    "ON CONFLICT(key) DO UPDATE SET value = excluded.value"));
  stmt.Bind(1, key).Bind(2, value);
  return stmt.Run();
}

}  // namespace coven::db
