// Several statements sent to PostgreSQL in one flight (libpq pipeline
// mode): one network round trip for all of them instead of one each. The
// server runs them in order, exactly as if sent one by one; the first that
// fails makes the rest of its flight fail unrun (PGRES_PIPELINE_ABORTED).
#ifndef COVEN_HUB_STORE_PG_PIPELINE_H_
#define COVEN_HUB_STORE_PG_PIPELINE_H_

#include <deque>
#include <string>
#include <string_view>

#include "coven/status.h"
#include "hub/store/pg_conn.h"

namespace coven::hub::store {

/// Pipeline mode on one connection for its lifetime: Send statements, Flush
/// the flight, then read each statement's result with Next, in order. On
/// destruction it reads whatever was left unread and leaves pipeline mode;
/// a connection it cannot bring back to a clean state is marked broken (the
/// pool drops it).
class PgPipeline {
 public:
  /// kUnavailable when the connection cannot enter pipeline mode.
  static Result<PgPipeline> Start(PgConnection& conn);
  PgPipeline(PgPipeline&& other) noexcept;
  PgPipeline& operator=(PgPipeline&&) = delete;
  PgPipeline(const PgPipeline&) = delete;
  PgPipeline& operator=(const PgPipeline&) = delete;
  ~PgPipeline();

  /// Queues a named statement (and its PREPARE, the first time on this
  /// connection). `params` may be destroyed once this returns.
  Status Send(const PgStatement& statement, const PgParams& params);
  /// Queues a statement without parameters (BEGIN, COMMIT).
  Status Send(std::string_view sql);
  /// Ends the flight (a sync point) and sends it.
  Status Flush();
  /// The result of the next statement sent, in order: its rows, or the
  /// error it failed with (kAborted for one left unrun after an earlier
  /// failure of its flight; see aborted()).
  Result<PgResult> Next();
  /// True when the last result Next read was a statement left unrun
  /// because an earlier one of its flight failed.
  bool aborted() const { return aborted_; }

 private:
  explicit PgPipeline(PgConnection* conn) : conn_(conn) {}

  enum class Kind { kPrepare, kStatement, kSync };
  struct Pending {
    Kind kind;
    std::string name;  // The statement's name, or its SQL text.
  };
  // Reads the next pending item's result; null when the connection gave
  // none (it broke).
  PGresult* Read(const Pending& item);

  PgConnection* conn_;
  std::deque<Pending> pending_;  // Sent, result not read yet.
  bool aborted_ = false;
};

}  // namespace coven::hub::store

#endif  // COVEN_HUB_STORE_PG_PIPELINE_H_
