#include "hub/store/pg_conn.h"

#include <poll.h>

#include <cstring>
#include <utility>

#include "hub/store/pg_url.h"

namespace coven::hub::store {

PgParams& PgParams::Text(std::string_view text) {
  const std::string& owned = owned_.emplace_back(text);
  values_.push_back(owned.c_str());
  lengths_.push_back(static_cast<int>(owned.size()));
  formats_.push_back(0);
  return *this;
}

PgParams& PgParams::Int(std::int64_t value) {
  std::string& owned = owned_.emplace_back(8, '\0');
  const auto bits = static_cast<std::uint64_t>(value);
  for (int i = 0; i < 8; ++i) {
    owned[i] = static_cast<char>((bits >> (56 - 8 * i)) & 0xff);
  }
  values_.push_back(owned.data());
  lengths_.push_back(8);
  formats_.push_back(1);
  return *this;
}

PgParams& PgParams::Binary(std::string bytes) {
  const std::string& owned = owned_.emplace_back(std::move(bytes));
  values_.push_back(owned.data());
  lengths_.push_back(static_cast<int>(owned.size()));
  formats_.push_back(1);
  return *this;
}

PgParams& PgParams::Blob(ByteView bytes) {
  // libpq reads `length` bytes; a non-null pointer even when empty, since
  // null means SQL NULL.
  static const char kEmpty = 0;
  values_.push_back(
      bytes.empty() ? &kEmpty : reinterpret_cast<const char*>(bytes.data()));
  lengths_.push_back(static_cast<int>(bytes.size()));
  formats_.push_back(1);
  return *this;
}

bool PgResult::IsNull(int row, int col) const {
  return PQgetisnull(result_.get(), row, col) != 0;
}

std::int64_t PgResult::Int(int row, int col) const {
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(
      PQgetvalue(result_.get(), row, col));
  const int length = PQgetlength(result_.get(), row, col);
  std::uint64_t value = 0;
  for (int i = 0; i < length && i < 8; ++i) value = (value << 8) | bytes[i];
  if (length == 4) return static_cast<std::int32_t>(value);
  return static_cast<std::int64_t>(value);
}

Bytes PgResult::Blob(int row, int col) const {
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(
      PQgetvalue(result_.get(), row, col));
  return Bytes(bytes, bytes + PQgetlength(result_.get(), row, col));
}

std::string PgResult::Text(int row, int col) const {
  return std::string(PQgetvalue(result_.get(), row, col),
                     PQgetlength(result_.get(), row, col));
}

std::uint64_t PgResult::Affected() const {
  const char* tuples = PQcmdTuples(result_.get());
  return tuples && *tuples ? std::strtoull(tuples, nullptr, 10) : 0;
}

Status PgError(PGconn* conn, const PGresult* result, std::string_view what) {
  std::string message = "PostgreSQL: " + std::string(what) + ": ";
  const char* detail = result ? PQresultErrorMessage(result) : nullptr;
  if (detail == nullptr || *detail == '\0') detail = PQerrorMessage(conn);
  message += detail;
  while (!message.empty() && message.back() == '\n') message.pop_back();
  if (conn == nullptr || PQstatus(conn) != CONNECTION_OK || result == nullptr) {
    return UnavailableError(message);
  }
  const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
  const std::string_view code = state ? state : "";
  if (code.starts_with("08") || code.starts_with("57P")) {
    return UnavailableError(message);
  }
  // lock_timeout (55P03) or statement_timeout (57014): the server rolled
  // the statement back; the same call may well work later.
  if (code == "55P03" || code == "57014") {
    return UnavailableError(message + "; retry");
  }
  if (code == "40001" || code == "40P01") return AbortedError(message);
  if (code.starts_with("53")) return ResourceExhaustedError(message);
  if (code == "23505") return AlreadyExistsError(message);
  if (code.starts_with("22")) return InvalidArgumentError(message);
  return InternalError(message);
}

Result<std::unique_ptr<PgConnection>> PgConnection::Connect(
    const std::string& url, const std::optional<PostgresTimeouts>& timeouts) {
  // Later keywords override what the URL says: a dead server is noticed
  // within seconds, never waited on for minutes.
  const char* keys[] = {
      "dbname",           "connect_timeout",     "keepalives",
      "keepalives_idle",  "keepalives_interval", "keepalives_count",
      "tcp_user_timeout", "application_name",    nullptr};
  const char* values[] = {url.c_str(), "5",     "1",         "10",   "3",
                          "3",         "10000", "coven-hub", nullptr};
  PGconn* conn = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  if (conn == nullptr || PQstatus(conn) != CONNECTION_OK) {
    // libpq's words may quote the URL, password and all.
    Status status = UnavailableError(
        "cannot connect to PostgreSQL: " +
        MaskPostgresSecrets(conn ? PQerrorMessage(conn) : "out of memory",
                            url));
    PQfinish(conn);
    return status;
  }
  // Notices (and the FATAL an idle connection gets when the server goes
  // away) would go to stderr; the store reports through Status instead.
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  std::unique_ptr<PgConnection> connection(new PgConnection(conn));
  // Acknowledge a write only once it is durable (research/hub.md §5).
  COVEN_RETURN_IF_ERROR(connection->ExecScript(
      "SET synchronous_commit TO on; SET client_min_messages TO warning"));
  if (timeouts) {
    // A lock held by a stuck writer (or a statement that runs away) fails
    // the call as retryable instead of holding a connection forever.
    COVEN_RETURN_IF_ERROR(connection->ExecScript(
        "SET lock_timeout TO " + std::to_string(timeouts->lock.count()) +
        "; SET statement_timeout TO " +
        std::to_string(timeouts->statement.count())));
  }
  return connection;
}

PgConnection::~PgConnection() { PQfinish(conn_); }

bool PgConnection::Broken() const {
  return marked_broken_ || PQstatus(conn_) != CONNECTION_OK;
}

bool PgConnection::Healthy() {
  if (Broken()) return false;
  pollfd fd{PQsocket(conn_), POLLIN, 0};
  if (fd.fd < 0) return false;
  if (poll(&fd, 1, 0) > 0) {
    // An idle connection has nothing to read unless the server is ending
    // it (or sent a notice): read it and see.
    if (PQconsumeInput(conn_) == 0) return false;
    if (PGresult* stray = PQgetResult(conn_)) {
      PQclear(stray);
      return false;
    }
  }
  return !Broken();
}

Result<PgResult> PgConnection::Check(PGresult* raw, std::string_view what) {
  PgResult result(raw);
  const ExecStatusType status = raw ? PQresultStatus(raw) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    return PgError(conn_, raw, what);
  }
  return result;
}

Result<PgResult> PgConnection::Exec(std::string_view sql) {
  const std::string text(sql);
  return Check(PQexecParams(conn_, text.c_str(), 0, nullptr, nullptr, nullptr,
                            nullptr, /*resultFormat=*/1),
               text);
}

Status PgConnection::ExecScript(std::string_view sql) {
  const std::string text(sql);
  return Check(PQexec(conn_, text.c_str()), "running the schema").status();
}

Result<PgResult> PgConnection::Run(const PgStatement& statement,
                                   const PgParams& params) {
  if (prepared_.find(statement.name) == prepared_.end()) {
    COVEN_RETURN_IF_ERROR(Check(PQprepare(conn_, statement.name, statement.sql,
                                          params.size(), nullptr),
                                std::string("preparing ") + statement.name)
                              .status());
    prepared_.insert(statement.name);
  }
  return Check(
      PQexecPrepared(conn_, statement.name, params.size(), params.values(),
                     params.lengths(), params.formats(), /*resultFormat=*/1),
      statement.name);
}

Status PgConnection::Commit() {
  PgResult result(PQexec(conn_, "COMMIT"));
  if (result.get() == nullptr || Broken()) {
    commit_failed_ = true;
    return UnavailableError(
        "the connection to PostgreSQL broke during COMMIT: the write may or "
        "may not be stored; retry it (retries are idempotent)");
  }
  if (PQresultStatus(result.get()) != PGRES_COMMAND_OK) {
    // Whatever the error, this connection is not reused for a retry.
    commit_failed_ = true;
    return PgError(conn_, result.get(), "COMMIT");
  }
  // COMMIT of a transaction that failed answers ROLLBACK.
  if (std::string_view(PQcmdStatus(result.get())) != "COMMIT") {
    return AbortedError("PostgreSQL rolled the transaction back; retry");
  }
  return Status::Ok();
}

void PgConnection::Rollback() {
  if (Broken()) return;
  PQclear(PQexec(conn_, "ROLLBACK"));
}

}  // namespace coven::hub::store
