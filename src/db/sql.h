// Thin RAII helpers over the SQLite C API for coven's own statements.
// Every failure becomes a Status naming the SQL that failed.
#ifndef COVEN_DB_SQL_H_
#define COVEN_DB_SQL_H_

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "coven/bytes.h"
#include "coven/status.h"

namespace coven::db {

/// Maps a SQLite result code and the connection's message to a Status.
Status SqliteError(sqlite3* db, int rc, std::string_view context);

/// The SQLite result code SqliteError wrote into `status`'s message, or
/// nullopt for a status it did not make.
std::optional<int> SqliteCodeOf(const Status& status);

/// Runs one or more statements with no results.
Status Exec(sqlite3* db, std::string_view sql);

/// A prepared statement, finalized on destruction.
class Stmt {
 public:
  Stmt() = default;
  Stmt(Stmt&& other) noexcept;
  Stmt& operator=(Stmt&& other) noexcept;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt();

  static Result<Stmt> Prepare(sqlite3* db, std::string_view sql);

  Stmt& Bind(int index, std::int64_t value);
  Stmt& Bind(int index, std::string_view text);
  Stmt& BindBlob(int index, ByteView blob);
  Stmt& BindNull(int index);
  Stmt& BindValue(int index, sqlite3_value* value);

  /// Steps once. Returns true when a row is available, false when done.
  Result<bool> Step();
  /// Steps to completion, ignoring rows; resets the statement afterwards.
  Status Run();
  /// Resets and clears bindings so the statement can be reused.
  void Reset();

  std::int64_t ColumnInt(int col) const;
  std::string ColumnText(int col) const;
  Bytes ColumnBlob(int col) const;
  bool ColumnIsNull(int col) const;
  int ColumnCount() const;
  sqlite3_value* ColumnValue(int col) const;

  sqlite3_stmt* get() const { return stmt_; }

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
  std::string sql_;
};

/// BEGIN IMMEDIATE ... COMMIT, rolled back on destruction unless committed.
class Transaction {
 public:
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();
  static Result<Transaction> Begin(sqlite3* db);
  Transaction(Transaction&& other) noexcept;
  Status Commit();

 private:
  explicit Transaction(sqlite3* db) : db_(db) {}
  sqlite3* db_ = nullptr;
};

/// Quotes an identifier for SQL ("a""b").
std::string QuoteIdentifier(std::string_view name);

/// Prepares the tombstone upsert: bind (table, id, stamp); the newest stamp
/// of a row wins.
Result<Stmt> PrepareTombstoneUpsert(sqlite3* db);

/// Reads sync_state[key]; nullopt when absent.
Result<std::optional<std::string>> GetState(sqlite3* db, std::string_view key);
/// Reads sync_state[key] as a decimal number; 0 when absent or empty.
/// kDataLoss when the stored text is not a number.
Result<std::uint64_t> GetStateNumber(sqlite3* db, std::string_view key);
/// Upserts sync_state[key] = value.
Status SetState(sqlite3* db, std::string_view key, std::string_view value);

}  // namespace coven::db

#endif  // COVEN_DB_SQL_H_
