// Thin RAII wrappers over libpq for the PostgreSQL store: a result, the
// parameters of one statement (bytea and int8 sent in binary), and one
// connection that prepares its statements on first use (again after a
// reconnect, since a new connection is a new object).
#ifndef COVEN_HUB_STORE_PG_CONN_H_
#define COVEN_HUB_STORE_PG_CONN_H_

#include <libpq-fe.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "coven/bytes.h"
#include "coven/status.h"
#include "hub/store/store.h"

namespace coven::hub::store {

/// A named statement; prepared once per connection.
struct PgStatement {
  const char* name;
  const char* sql;
};

/// The parameters of one statement. Byte views are borrowed and must
/// outlive the call.
class PgParams {
 public:
  PgParams& Text(std::string_view text);
  PgParams& Int(std::int64_t value);
  PgParams& Blob(ByteView bytes);
  PgParams& Bool(bool value) { return Text(value ? "t" : "f"); }
  /// A parameter in binary format whose bytes the params own (a PgArray's
  /// Encode()).
  PgParams& Binary(std::string bytes);

  int size() const { return static_cast<int>(values_.size()); }
  const char* const* values() const { return values_.data(); }
  const int* lengths() const { return lengths_.data(); }
  const int* formats() const { return formats_.data(); }

 private:
  std::deque<std::string> owned_;  // Never moves its elements.
  std::vector<const char*> values_;
  std::vector<int> lengths_;
  std::vector<int> formats_;
};

/// A result, cleared on destruction. Statements run through PgConnection
/// ask for binary results: Int reads int8 (or int4) columns.
class PgResult {
 public:
  explicit PgResult(PGresult* result) : result_(result, &PQclear) {}
  int rows() const { return PQntuples(result_.get()); }
  bool IsNull(int row, int col) const;
  std::int64_t Int(int row, int col) const;
  Bytes Blob(int row, int col) const;
  std::string Text(int row, int col) const;
  /// Rows an INSERT, UPDATE or DELETE touched.
  std::uint64_t Affected() const;
  PGresult* get() const { return result_.get(); }

 private:
  std::unique_ptr<PGresult, decltype(&PQclear)> result_;
};

/// One connection to PostgreSQL.
class PgConnection {
 public:
  /// Connects (`url`: a postgresql:// URL or key=value string) with short
  /// timeouts and TCP keepalives, and turns synchronous_commit on; with
  /// `timeouts`, sets the session's lock_timeout and statement_timeout.
  /// kUnavailable when the server cannot be reached.
  static Result<std::unique_ptr<PgConnection>> Connect(
      const std::string& url,
      const std::optional<PostgresTimeouts>& timeouts = std::nullopt);
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;
  ~PgConnection();

  /// False once the connection broke, or when an idle connection has
  /// pending input that ends it (the server went away).
  bool Healthy();
  /// True when the connection broke (or was marked broken).
  bool Broken() const;
  /// Marks the connection unusable: the pool closes it rather than reuse a
  /// connection left in an unknown protocol state.
  void MarkBroken() { marked_broken_ = true; }
  /// Records that a COMMIT was sent whose answer was not read: what it did
  /// is unknown (see commit_failed).
  void MarkCommitUnknown() { commit_failed_ = true; }
  /// Runs one statement without parameters (binary results).
  Result<PgResult> Exec(std::string_view sql);
  /// Runs several statements in one string (text results).
  Status ExecScript(std::string_view sql);
  /// Runs a named statement, preparing it first on this connection.
  Result<PgResult> Run(const PgStatement& statement, const PgParams& params);
  /// COMMIT: OK only when the server answered COMMIT. kUnavailable (the
  /// outcome unknown) when the connection broke waiting for the answer.
  Status Commit();
  /// ROLLBACK, ignoring failure (a broken connection rolled back anyway).
  void Rollback();
  PGconn* get() const { return conn_; }
  /// True once a COMMIT was sent on this connection and failed: what it
  /// did is unknown, so the call must not be retried blindly.
  bool commit_failed() const { return commit_failed_; }

 private:
  explicit PgConnection(PGconn* conn) : conn_(conn) {}
  Result<PgResult> Check(PGresult* result, std::string_view what);

  friend class PgPipeline;  // Prepares statements in pipeline mode.

  PGconn* conn_;
  bool commit_failed_ = false;
  bool marked_broken_ = false;
  std::set<std::string, std::less<>> prepared_;
};

/// Maps a failed result (or none) on `conn` to a Status naming `what`.
Status PgError(PGconn* conn, const PGresult* result, std::string_view what);

}  // namespace coven::hub::store

#endif  // COVEN_HUB_STORE_PG_CONN_H_
