// A fixed pool of PostgreSQL connections. A connection found broken is
// replaced on its next use; a call that failed on a stale connection before
// it could change anything is retried once on a fresh one.
#ifndef COVEN_HUB_STORE_PG_POOL_H_
#define COVEN_HUB_STORE_PG_POOL_H_

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "coven/status.h"
#include "hub/store/pg_conn.h"

namespace coven::hub::store {

class PgPool {
 public:
  /// Every connection's statements are bounded by `timeouts`.
  PgPool(std::string url, std::size_t size, const PostgresTimeouts& timeouts);

  /// Connects every connection now; kUnavailable when the server is not
  /// there.
  Status ConnectAll();

  /// Runs `fn` on a connection. When `fn` fails because a connection that
  /// sat in the pool had broken (the server restarted), and `retry_safe`
  /// (what fn does is a read, or a transaction whose COMMIT was not
  /// attempted), it runs again once on a new connection.
  template <typename T>
  Result<T> With(bool retry_safe,
                 const std::function<Result<T>(PgConnection&)>& fn) {
    for (int attempt = 0;; ++attempt) {
      bool reused = false;
      Result<std::unique_ptr<PgConnection>> conn = Take(&reused);
      if (!conn.ok()) return conn.status();
      Result<T> result = fn(**conn);
      const bool retry = !result.ok() &&
                         result.status().code() == StatusCode::kUnavailable &&
                         (*conn)->Broken() && !(*conn)->commit_failed() &&
                         reused && retry_safe && attempt == 0;
      Give(std::move(*conn));
      if (!retry) return result;
    }
  }

  const std::string& url() const { return url_; }

 private:
  Result<std::unique_ptr<PgConnection>> Take(bool* reused);
  void Give(std::unique_ptr<PgConnection> conn);

  const std::string url_;
  const PostgresTimeouts timeouts_;
  std::mutex mutex_;
  std::condition_variable free_;
  std::vector<std::unique_ptr<PgConnection>> idle_;  // Null: not connected.
};

}  // namespace coven::hub::store

#endif  // COVEN_HUB_STORE_PG_POOL_H_
