#include "hub/store/pg_pool.h"

namespace coven::hub::store {

PgPool::PgPool(std::string url, std::size_t size,
               const PostgresTimeouts& timeouts)
    : url_(std::move(url)), timeouts_(timeouts) {
  idle_.resize(size == 0 ? 1 : size);
}

Status PgPool::ConnectAll() {
  std::lock_guard lock(mutex_);
  for (auto& conn : idle_) {
    if (!conn) {
      COVEN_ASSIGN_OR_RETURN(conn, PgConnection::Connect(url_, timeouts_));
    }
  }
  return Status::Ok();
}

Result<std::unique_ptr<PgConnection>> PgPool::Take(bool* reused) {
  std::unique_ptr<PgConnection> conn;
  {
    std::unique_lock lock(mutex_);
    free_.wait(lock, [&] { return !idle_.empty(); });
    conn = std::move(idle_.back());
    idle_.pop_back();
  }
  if (conn && !conn->Healthy()) conn.reset();
  *reused = conn != nullptr;
  if (!conn) {
    Result<std::unique_ptr<PgConnection>> fresh =
        PgConnection::Connect(url_, timeouts_);
    if (!fresh.ok()) {
      Give(nullptr);
      return fresh.status();
    }
    conn = std::move(*fresh);
  }
  return conn;
}

void PgPool::Give(std::unique_ptr<PgConnection> conn) {
  if (conn && (conn->Broken() || conn->commit_failed())) conn.reset();
  {
    std::lock_guard lock(mutex_);
    idle_.push_back(std::move(conn));
  }
  free_.notify_one();
}

}  // namespace coven::hub::store
