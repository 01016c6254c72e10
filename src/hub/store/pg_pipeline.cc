#include "hub/store/pg_pipeline.h"

#include <algorithm>
#include <utility>

namespace coven::hub::store {

Result<PgPipeline> PgPipeline::Start(PgConnection& conn) {
  if (PQenterPipelineMode(conn.get()) != 1) {
    return PgError(conn.get(), nullptr, "entering pipeline mode");
  }
  return PgPipeline(&conn);
}

PgPipeline::PgPipeline(PgPipeline&& other) noexcept
    : conn_(std::exchange(other.conn_, nullptr)),
      pending_(std::move(other.pending_)),
      aborted_(other.aborted_) {}

PgPipeline::~PgPipeline() {
  if (conn_ == nullptr) return;  // Moved from.
  // Statements sent without a sync point would never be answered.
  if (!pending_.empty() && pending_.back().kind != Kind::kSync) {
    Flush().IgnoreError();
  }
  while (!pending_.empty()) {
    const Pending item = std::move(pending_.front());
    pending_.pop_front();
    PGresult* result = Read(item);
    if (result == nullptr) break;
    PQclear(result);
  }
  if (!pending_.empty() || PQexitPipelineMode(conn_->get()) != 1) {
    // Results the connection still owes would answer the next call's
    // statements: never reuse it.
    conn_->MarkBroken();
  }
}

PGresult* PgPipeline::Read(const Pending& item) {
  PGconn* conn = conn_->get();
  PGresult* result = PQgetResult(conn);
  if (result == nullptr || item.kind == Kind::kSync) return result;
  // Each statement's results end with a null.
  if (PGresult* extra = PQgetResult(conn)) {
    PQclear(extra);
    conn_->MarkBroken();
  }
  if (item.kind == Kind::kPrepare &&
      PQresultStatus(result) == PGRES_COMMAND_OK) {
    conn_->prepared_.insert(item.name);
  }
  return result;
}

Status PgPipeline::Send(const PgStatement& statement, const PgParams& params) {
  PGconn* conn = conn_->get();
  const bool prepared = conn_->prepared_.contains(statement.name);
  const bool preparing =
      !prepared &&
      std::any_of(pending_.begin(), pending_.end(), [&](const Pending& p) {
        return p.kind == Kind::kPrepare && p.name == statement.name;
      });
  if (!prepared && !preparing) {
    if (PQsendPrepare(conn, statement.name, statement.sql, params.size(),
                      nullptr) != 1) {
      return PgError(conn, nullptr, std::string("preparing ") + statement.name);
    }
    pending_.push_back({Kind::kPrepare, statement.name});
  }
  if (PQsendQueryPrepared(conn, statement.name, params.size(), params.values(),
                          params.lengths(), params.formats(),
                          /*resultFormat=*/1) != 1) {
    return PgError(conn, nullptr, statement.name);
  }
  pending_.push_back({Kind::kStatement, statement.name});
  return Status::Ok();
}

Status PgPipeline::Send(std::string_view sql) {
  const std::string text(sql);
  // Pipeline mode allows only the extended protocol (no PQsendQuery).
  if (PQsendQueryParams(conn_->get(), text.c_str(), 0, nullptr, nullptr,
                        nullptr, nullptr, /*resultFormat=*/1) != 1) {
    return PgError(conn_->get(), nullptr, text);
  }
  pending_.push_back({Kind::kStatement, text});
  return Status::Ok();
}

Status PgPipeline::Flush() {
  // PQpipelineSync also flushes what was queued to the server.
  if (PQpipelineSync(conn_->get()) != 1) {
    return PgError(conn_->get(), nullptr, "sending a pipeline");
  }
  pending_.push_back({Kind::kSync, "sync"});
  return Status::Ok();
}

Result<PgResult> PgPipeline::Next() {
  aborted_ = false;
  Status prepare_failed = Status::Ok();
  while (!pending_.empty()) {
    const Pending item = std::move(pending_.front());
    pending_.pop_front();
    PGresult* raw = Read(item);
    if (raw == nullptr) {
      conn_->MarkBroken();
      return PgError(conn_->get(), nullptr, item.name);
    }
    PgResult result(raw);
    const ExecStatusType status = PQresultStatus(raw);
    if (item.kind == Kind::kSync) continue;
    if (item.kind == Kind::kPrepare) {
      if (status != PGRES_COMMAND_OK && prepare_failed.ok()) {
        prepare_failed = PgError(conn_->get(), raw, "preparing " + item.name);
      }
      continue;
    }
    if (!prepare_failed.ok()) return prepare_failed;
    if (status == PGRES_PIPELINE_ABORTED) {
      aborted_ = true;
      return AbortedError("PostgreSQL did not run " + item.name +
                          ": an earlier statement sent with it failed");
    }
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      return PgError(conn_->get(), raw, item.name);
    }
    return result;
  }
  return InternalError("no statement was sent to read the result of");
}

}  // namespace coven::hub::store
