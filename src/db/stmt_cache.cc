#include "db/stmt_cache.h"

#include <utility>

namespace coven::db {

CachedStmt::CachedStmt(CachedStmt&& other) noexcept
    : stmt_(std::exchange(other.stmt_, nullptr)),
      in_use_(std::exchange(other.in_use_, nullptr)),
      own_(std::move(other.own_)) {}

CachedStmt::~CachedStmt() {
  if (stmt_ == nullptr) return;  // Moved from.
  stmt_->Reset();
  if (in_use_ != nullptr) *in_use_ = false;
}

Result<CachedStmt> StmtCache::Get(std::string_view sql) {
  auto found = entries_.find(sql);
  if (found == entries_.end() && entries_.size() < kMaxStatements) {
    COVEN_ASSIGN_OR_RETURN(Stmt stmt, Stmt::Prepare(db_, sql));
    found = entries_.emplace(std::string(sql), Entry{std::move(stmt)}).first;
  }
  if (found != entries_.end() && !found->second.in_use) {
    found->second.in_use = true;
    return CachedStmt(&found->second.stmt, &found->second.in_use);
  }
  // In use further up this call (or the cache is full): one of its own.
  COVEN_ASSIGN_OR_RETURN(Stmt stmt, Stmt::Prepare(db_, sql));
  return CachedStmt(std::make_unique<Stmt>(std::move(stmt)));
}

}  // namespace coven::db
