// Prepared statements kept per connection, keyed by their SQL text, so a
// statement run on every call is compiled once: under load, compiling
// statements was a fifth of the hub's CPU time.
//
// A statement is lent out (StmtCache::Get) and handed back when the lease
// ends, reset and with its bindings cleared on every exit path, errors
// included: a statement left mid-step would keep its read transaction open
// (stalling WAL checkpoints) and its stale bindings could leak into the next
// call.
#ifndef COVEN_DB_STMT_CACHE_H_
#define COVEN_DB_STMT_CACHE_H_

#include <sqlite3.h>

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "coven/status.h"
#include "db/sql.h"

namespace coven::db {

class StmtCache;

/// A statement lent by a StmtCache (or, when the cached one is in use or the
/// cache is full, one of its own); reset and its bindings cleared when the
/// lease ends.
class CachedStmt {
 public:
  CachedStmt(CachedStmt&& other) noexcept;
  CachedStmt& operator=(CachedStmt&&) = delete;
  CachedStmt(const CachedStmt&) = delete;
  CachedStmt& operator=(const CachedStmt&) = delete;
  ~CachedStmt();

  Stmt& operator*() const { return *stmt_; }
  Stmt* operator->() const { return stmt_; }

 private:
  friend class StmtCache;
  CachedStmt(Stmt* stmt, bool* in_use) : stmt_(stmt), in_use_(in_use) {}
  explicit CachedStmt(std::unique_ptr<Stmt> own)
      : stmt_(own.get()), own_(std::move(own)) {}

  Stmt* stmt_ = nullptr;
  bool* in_use_ = nullptr;     // The cache entry's flag; null when own_.
  std::unique_ptr<Stmt> own_;  // An uncached statement, finalized at the end.
};

/// The statement cache of one connection; use it only where that
/// connection is used (same thread or lock), and destroy it before closing
/// the connection (it finalizes its statements).
class StmtCache {
 public:
  /// Statements beyond this many are prepared per call, not kept: a bound
  /// on memory should a caller ever build SQL text from data.
  static constexpr std::size_t kMaxStatements = 64;

  explicit StmtCache(sqlite3* db) : db_(db) {}
  StmtCache(const StmtCache&) = delete;
  StmtCache& operator=(const StmtCache&) = delete;

  /// The statement for `sql`, prepared on first use.
  Result<CachedStmt> Get(std::string_view sql);

  sqlite3* db() const { return db_; }
  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    Stmt stmt;
    bool in_use = false;
  };

  sqlite3* db_;
  // std::map: entries never move, so a lease may point into one.
  std::map<std::string, Entry, std::less<>> entries_;
};

}  // namespace coven::db

#endif  // COVEN_DB_STMT_CACHE_H_
