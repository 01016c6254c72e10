// SqliteStore: the author logs (PushLog, PullLog, ListHeads).
#include <algorithm>

#include "db/sql.h"
#include "hub/store/paths.h"
#include "hub/store/push_plan.h"
#include "hub/store/sqlite_store.h"

namespace coven::hub::store {
namespace {

std::int64_t Col(std::uint64_t seq) { return static_cast<std::int64_t>(seq); }

// Runs a statement without parameters or rows (SAVEPOINT, RELEASE) from
// the connection's cache: one compile per connection, not per push.
Status RunCached(db::StmtCache& stmts, std::string_view sql) {
  COVEN_ASSIGN_OR_RETURN(db::CachedStmt stmt, stmts.Get(sql));
  Status status = stmt->Run();
  stmt->Reset();
  return status;
}

}  // namespace

Result<LogPushResult> SqliteStore::PushLog(const LogPush& push) {
  COVEN_RETURN_IF_ERROR(ValidatePush(push));
  return groups_.Push(push);
}

void SqliteStore::SubmitPushLog(
    const LogPush& push, std::function<void(Result<LogPushResult>)> done) {
  Status valid = ValidatePush(push);
  if (!valid.ok()) return done(valid);
  groups_.Submit(push, std::move(done));
}

std::vector<Result<LogPushResult>> SqliteStore::PushLogs(
    std::span<const LogPush* const> pushes) {
  std::vector<Result<LogPushResult>> results;
  results.reserve(pushes.size());
  auto fail_all = [&](const Status& status) {
    results.assign(pushes.size(), Result<LogPushResult>(status));
    return results;
  };
  std::lock_guard lock(write_mutex_);
  sqlite3* db = writer_->db();
  Result<db::Transaction> tx = db::Transaction::Begin(db);
  if (!tx.ok()) return fail_all(tx.status());
  bool any_stored = false;
  for (const LogPush* push : pushes) {
    Status valid = ValidatePush(*push);
    if (!valid.ok()) {
      results.emplace_back(valid);
      continue;
    }
    Status mark = RunCached(writer_->stmts, "SAVEPOINT push");
    if (!mark.ok()) return fail_all(mark);
    Result<LogPushResult> one = PushLocked(*push);
    if (!one.ok()) {
      // An I/O error or a full disk can make SQLite roll the whole
      // transaction back: then the pushes before this one are gone too.
      if (sqlite3_get_autocommit(db)) return fail_all(one.status());
      Status undo = RunCached(writer_->stmts, "ROLLBACK TO push");
      if (!undo.ok()) return fail_all(undo);
    }
    Status release = RunCached(writer_->stmts, "RELEASE push");
    if (!release.ok()) return fail_all(release);
    any_stored = any_stored || one.ok();
    results.push_back(std::move(one));
  }
  // Nothing to keep: the transaction rolls back (no fsync).
  if (!any_stored) return results;
  Status committed = tx->Commit();
  if (!committed.ok()) {
    for (Result<LogPushResult>& result : results) {
      if (result.ok()) result = committed;
    }
  }
  return results;
}

Result<LogPushResult> SqliteStore::PushLocked(const LogPush& push) {
  // Inside PushLogs' BEGIN IMMEDIATE, which took the write lock first, so
  // no other connection (a second hub process on this file) moves the head
  // while we decide.
  COVEN_RETURN_IF_ERROR(CheckSpace(*writer_, push.space));
  const std::int64_t author = AuthorColumn(push.author);
  COVEN_ASSIGN_OR_RETURN(
      db::CachedStmt head,
      writer_->stmts.Get(
          "SELECT log_seq FROM heads WHERE space=? AND author=?"));
  head->Bind(1, push.space).Bind(2, author);
  COVEN_ASSIGN_OR_RETURN(bool has_head, head->Step());
  const auto log_seq =
      static_cast<std::uint64_t>(has_head ? head->ColumnInt(0) : 0);
  head->Reset();

  std::vector<StoredHash> stored;
  const auto [first, last] = StoredRange(push, log_seq);
  if (first <= last) {
    COVEN_ASSIGN_OR_RETURN(
        db::CachedStmt get,
        writer_->stmts.Get("SELECT seq, hash, size FROM log_objects WHERE "
                           "space=? AND author=? AND seq BETWEEN ? AND ?"));
    get->Bind(1, push.space)
        .Bind(2, author)
        .Bind(3, Col(first))
        .Bind(4, Col(last));
    while (true) {
      COVEN_ASSIGN_OR_RETURN(bool row, get->Step());
      if (!row) break;
      StoredHash hash;
      hash.seq = static_cast<std::uint64_t>(get->ColumnInt(0));
      const Bytes bytes = get->ColumnBlob(1);
      if (bytes.size() != hash.hash.size()) {
        return DataLossError("a stored log object has a bad hash");
      }
      std::copy(bytes.begin(), bytes.end(), hash.hash.begin());
      hash.size = static_cast<std::uint64_t>(get->ColumnInt(2));
      stored.push_back(hash);
    }
  }
  COVEN_ASSIGN_OR_RETURN(PushPlan plan, PlanPush(push, log_seq, stored));

  COVEN_ASSIGN_OR_RETURN(
      db::CachedStmt insert,
      writer_->stmts.Get("INSERT INTO log_objects(space, author, seq, hash, "
                         "size, data) VALUES(?,?,?,?,?,?)"));
  for (std::size_t i = plan.first_new; i < push.objects.size(); ++i) {
    const LogObject& object = push.objects[i];
    const crypto::Hash256 hash = LogObjectHash(object.data);
    insert->Bind(1, push.space).Bind(2, author).Bind(3, Col(object.seq));
    BindBytes(insert->get(), 4, hash);
    insert->Bind(5, static_cast<std::int64_t>(object.data.size()));
    BindBytes(insert->get(), 6, object.data);
    COVEN_RETURN_IF_ERROR(insert->Run());
    insert->Reset();
  }
  if (plan.log_seq != log_seq || plan.replace_head) {
    COVEN_ASSIGN_OR_RETURN(
        db::CachedStmt move,
        writer_->stmts.Get(
            "INSERT INTO heads(space, author, log_seq, head) VALUES(?,?,?,?) "
            "ON CONFLICT(space, author) DO UPDATE SET log_seq=excluded.log_seq,"
            " head=CASE WHEN ? THEN excluded.head ELSE heads.head END"));
    move->Bind(1, push.space).Bind(2, author).Bind(3, Col(plan.log_seq));
    BindBytes(move->get(), 4,
              plan.replace_head ? ByteView(*push.head) : ByteView());
    move->Bind(5, std::int64_t{plan.replace_head ? 1 : 0});
    COVEN_RETURN_IF_ERROR(move->Run());
  }
  LogPushResult result;
  result.stored =
      static_cast<std::uint32_t>(push.objects.size() - plan.first_new);
  result.already_had = plan.already_had;
  result.log_seq = plan.log_seq;
  result.head_replaced = plan.replace_head;
  return result;
}

Result<std::uint32_t> SqliteStore::RepairLogObjects(const LogPush& push,
                                                    std::uint32_t held) {
  COVEN_RETURN_IF_ERROR(ValidatePush(push));
  if (push.objects.empty() || held == 0) return 0;
  const auto [first, last] = HeldRange(push, held);
  const std::int64_t author = AuthorColumn(push.author);
  std::vector<StoredCopy> stored;
  {
    // Read on a reader connection: an intact log (the usual retry) never
    // takes the write lock.
    Reader reader = Read();
    COVEN_ASSIGN_OR_RETURN(
        db::CachedStmt get,
        reader.conn().stmts.Get(
            "SELECT seq, hash, data FROM log_objects WHERE space=? AND "
            "author=? AND seq BETWEEN ? AND ?"));
    get->Bind(1, push.space)
        .Bind(2, author)
        .Bind(3, Col(first))
        .Bind(4, Col(last));
    while (true) {
      COVEN_ASSIGN_OR_RETURN(bool row, get->Step());
      if (!row) break;
      std::optional<StoredCopy> copy =
          CopyFromRow(static_cast<std::uint64_t>(get->ColumnInt(0)),
                      get->ColumnBlob(1), get->ColumnBlob(2));
      if (copy) stored.push_back(std::move(*copy));
    }
  }
  const std::vector<const LogObject*> damaged = DamagedCopies(push, stored);
  if (damaged.empty()) return 0;
  std::lock_guard lock(write_mutex_);
  COVEN_ASSIGN_OR_RETURN(db::Transaction tx,
                         db::Transaction::Begin(writer_->db()));
  // Only a copy that still has the recorded hash the pushed bytes match.
  COVEN_ASSIGN_OR_RETURN(
      db::CachedStmt rewrite,
      writer_->stmts.Get("UPDATE log_objects SET data=?, size=? WHERE "
                         "space=? AND author=? AND seq=? AND hash=?"));
  std::uint32_t repaired = 0;
  for (const LogObject* object : damaged) {
    BindBytes(rewrite->get(), 1, object->data);
    rewrite->Bind(2, static_cast<std::int64_t>(object->data.size()))
        .Bind(3, push.space)
        .Bind(4, author)
        .Bind(5, Col(object->seq));
    BindBytes(rewrite->get(), 6, LogObjectHash(object->data));
    COVEN_RETURN_IF_ERROR(rewrite->Run());
    repaired += static_cast<std::uint32_t>(sqlite3_changes(writer_->db()));
    rewrite->Reset();
  }
  COVEN_RETURN_IF_ERROR(tx.Commit());
  return repaired;
}

Result<LogPage> SqliteStore::ReadLogPage(const LogRange& range) {
  Reader reader = Read();
  Connection& conn = reader.conn();
  const std::int64_t author = AuthorColumn(range.author);
  COVEN_ASSIGN_OR_RETURN(
      db::CachedStmt head,
      conn.stmts.Get("SELECT log_seq FROM heads WHERE space=? AND author=?"));
  head->Bind(1, range.space).Bind(2, author);
  COVEN_ASSIGN_OR_RETURN(bool has_head, head->Step());
  LogPage page;
  std::vector<StoredObject>& objects = page.objects;
  if (!has_head) {
    COVEN_RETURN_IF_ERROR(CheckSpace(conn, range.space));
    return page;
  }
  // Read the head first: every seq at or below it was committed with it, so
  // paging by seq below the head never skips an object.
  page.head_seq = static_cast<std::uint64_t>(head->ColumnInt(0));
  head->Reset();
  std::uint64_t upper = page.head_seq;
  if (range.through_seq != 0) upper = std::min(upper, range.through_seq);
  if (range.after_seq >= upper || range.max_objects == 0) return page;
  COVEN_ASSIGN_OR_RETURN(
      db::CachedStmt get,
      conn.stmts.Get("SELECT seq, size, CASE WHEN size > ? THEN NULL ELSE "
                     "data END FROM log_objects WHERE space=? AND author=? "
                     "AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?"));
  get->Bind(1, static_cast<std::int64_t>(std::min<std::uint64_t>(
                   range.max_object_bytes, kMaxSeq - 1)))
      .Bind(2, range.space)
      .Bind(3, author)
      .Bind(4, Col(range.after_seq))
      .Bind(5, Col(upper))
      .Bind(6, static_cast<std::int64_t>(range.max_objects));
  std::uint64_t bytes = 0;
  while (true) {
    COVEN_ASSIGN_OR_RETURN(bool row, get->Step());
    if (!row) break;
    StoredObject object;
    object.seq = static_cast<std::uint64_t>(get->ColumnInt(0));
    object.size = static_cast<std::uint64_t>(get->ColumnInt(1));
    const std::uint64_t expected = range.after_seq + objects.size() + 1;
    if (object.seq != expected) {
      return DataLossError("log object " + LogPath(range.author, expected) +
                           " is missing below the head");
    }
    object.too_large = get->ColumnIsNull(2);
    const std::uint64_t cost = object.too_large ? 0 : object.size;
    if (!objects.empty() && bytes + cost > range.max_bytes) break;
    if (!object.too_large) object.data = get->ColumnBlob(2);
    bytes += cost;
    objects.push_back(std::move(object));
  }
  return page;
}

Result<std::vector<HeadRow>> SqliteStore::ListHeads(std::string_view space) {
  Reader reader = Read();
  COVEN_RETURN_IF_ERROR(CheckSpace(reader.conn(), space));
  COVEN_ASSIGN_OR_RETURN(
      db::CachedStmt get,
      reader.conn().stmts.Get("SELECT author, log_seq, head FROM heads WHERE "
                              "space=? AND log_seq > 0 ORDER BY author"));
  get->Bind(1, space);
  std::vector<HeadRow> heads;
  while (true) {
    COVEN_ASSIGN_OR_RETURN(bool row, get->Step());
    if (!row) break;
    HeadRow head;
    head.author = AuthorFromColumn(get->ColumnInt(0));
    head.log_seq = static_cast<std::uint64_t>(get->ColumnInt(1));
    head.head = get->ColumnBlob(2);
    heads.push_back(std::move(head));
  }
  return heads;
}

}  // namespace coven::hub::store
