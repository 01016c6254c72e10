#include "engine/outbox.h"

#include "db/sql.h"

namespace coven::engine {

namespace {

std::int64_t AsInt(std::uint64_t v) { return static_cast<std::int64_t>(v); }

OutboxItem ItemFromRow(const db::Stmt& row) {
  OutboxItem item;
  item.seq = static_cast<std::uint64_t>(row.ColumnInt(0));
  item.path = row.ColumnText(1);
  item.kind = home::layout::KindOfPath(item.path);
  item.object = row.ColumnBlob(2);
  return item;
}

}  // namespace

Status Outbox::Enqueue(std::uint64_t seq, const std::string& path,
                       const Bytes& object, std::size_t rows,
                       std::int64_t created_ms) {
  COVEN_ASSIGN_OR_RETURN(
      db::Stmt insert,
      db::Stmt::Prepare(conn_,
                        "INSERT INTO cloud_outbox(seq, path, object, rows, "
                        "created_ms) VALUES(?, ?, ?, ?, ?)"));
  insert.Bind(1, AsInt(seq))
      .Bind(2, path)
      .BindBlob(3, object)
      .Bind(4, static_cast<std::int64_t>(rows))
      .Bind(5, created_ms);
  return insert.Run();
}

Result<std::vector<OutboxItem>> Outbox::Peek(std::size_t limit) {
  COVEN_ASSIGN_OR_RETURN(
      db::Stmt stmt,
      db::Stmt::Prepare(conn_,
                        "SELECT seq, path, object FROM cloud_outbox "
                        "ORDER BY seq LIMIT ?"));
  stmt.Bind(1, static_cast<std::int64_t>(limit));
  std::vector<OutboxItem> items;
  while (true) {
    COVEN_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return items;
    items.push_back(ItemFromRow(stmt));
  }
}

Result<bool> Outbox::Ack(std::uint64_t seq, std::int64_t sent_ms) {
  COVEN_ASSIGN_OR_RETURN(
      db::Stmt keep,
      db::Stmt::Prepare(conn_,
                        "INSERT OR REPLACE INTO _coven_sent(seq, path, object, "
                        "sent_ms) SELECT seq, path, object, ? FROM "
                        "cloud_outbox WHERE seq = ?"));
  keep.Bind(1, sent_ms).Bind(2, AsInt(seq));
  COVEN_RETURN_IF_ERROR(keep.Run());
  COVEN_ASSIGN_OR_RETURN(
      db::Stmt done,
      db::Stmt::Prepare(conn_, "DELETE FROM cloud_outbox WHERE seq = ?"));
  done.Bind(1, AsInt(seq));
  COVEN_RETURN_IF_ERROR(done.Run());
  return sqlite3_changes(conn_) == 1;
}

Status Outbox::NoteFailure(std::uint64_t seq, const std::string& error) {
  COVEN_ASSIGN_OR_RETURN(
      db::Stmt note,
      db::Stmt::Prepare(conn_,
                        "UPDATE cloud_outbox SET attempts = attempts + 1, "
                        "last_error = ? WHERE seq = ?"));
  note.Bind(1, error).Bind(2, AsInt(seq));
  return note.Run();
}

Result<bool> Outbox::Contains(std::uint64_t seq) {
  COVEN_ASSIGN_OR_RETURN(
      db::Stmt stmt,
      db::Stmt::Prepare(conn_, "SELECT 1 FROM cloud_outbox WHERE seq = ?"));
  stmt.Bind(1, AsInt(seq));
  return stmt.Step();
}

Result<std::size_t> Outbox::Count() {
  COVEN_ASSIGN_OR_RETURN(
      db::Stmt stmt,
      db::Stmt::Prepare(conn_, "SELECT count(*) FROM cloud_outbox"));
  COVEN_ASSIGN_OR_RETURN(bool row, stmt.Step());
  return row ? static_cast<std::size_t>(stmt.ColumnInt(0)) : 0;
}

Result<std::string> Outbox::OldestFailure() {
  COVEN_ASSIGN_OR_RETURN(
      db::Stmt stmt,
      db::Stmt::Prepare(conn_,
                        "SELECT attempts, last_error FROM cloud_outbox "
                        "ORDER BY seq LIMIT 1"));
  COVEN_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row || stmt.ColumnInt(0) == 0) return std::string();
  return stmt.ColumnText(1) + " (" + std::to_string(stmt.ColumnInt(0)) +
         " attempt(s))";
}

Status Outbox::KeepSent(std::uint64_t seq, const std::string& path,
                        const Bytes& object, std::int64_t sent_ms) {
  COVEN_ASSIGN_OR_RETURN(
      db::Stmt keep,
      db::Stmt::Prepare(conn_,
                        "INSERT OR REPLACE INTO _coven_sent(seq, path, "
                        "object, sent_ms) VALUES(?, ?, ?, ?)"));
  keep.Bind(1, AsInt(seq)).Bind(2, path).BindBlob(3, object).Bind(4, sent_ms);
  return keep.Run();
}

Result<Bytes> Outbox::Sent(std::uint64_t seq) {
  COVEN_ASSIGN_OR_RETURN(
      db::Stmt stmt,
      db::Stmt::Prepare(conn_, "SELECT object FROM _coven_sent WHERE seq = ?"));
  stmt.Bind(1, AsInt(seq));
  COVEN_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return NotFoundError("seq " + std::to_string(seq) + " not kept");
  return stmt.ColumnBlob(0);
}

Result<std::vector<std::pair<std::uint64_t, std::uint64_t>>> Outbox::SentSizes(
    std::uint64_t through) {
  COVEN_ASSIGN_OR_RETURN(
      db::Stmt stmt,
      db::Stmt::Prepare(conn_,
                        "SELECT seq, length(object) FROM _coven_sent WHERE "
                        "seq <= ? ORDER BY seq"));
  stmt.Bind(1, AsInt(through));
  std::vector<std::pair<std::uint64_t, std::uint64_t>> sizes;
  while (true) {
    COVEN_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return sizes;
    sizes.emplace_back(static_cast<std::uint64_t>(stmt.ColumnInt(0)),
                       static_cast<std::uint64_t>(stmt.ColumnInt(1)));
  }
}

Status Outbox::ForEachOwn(
    const std::function<Status(const OutboxItem&)>& visit) {
  COVEN_ASSIGN_OR_RETURN(
      db::Stmt stmt,
      db::Stmt::Prepare(conn_,
                        "SELECT seq, path, object FROM (SELECT seq, path, "
                        "object FROM cloud_outbox UNION ALL SELECT seq, path, "
                        "object FROM _coven_sent) ORDER BY seq"));
  while (true) {
    COVEN_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return Status::Ok();
    COVEN_RETURN_IF_ERROR(visit(ItemFromRow(stmt)));
  }
}

Result<std::optional<OutboxItem>> Outbox::Newest() {
  COVEN_ASSIGN_OR_RETURN(
      db::Stmt stmt,
      db::Stmt::Prepare(conn_,
                        "SELECT seq, path, object FROM (SELECT seq, path, "
                        "object FROM cloud_outbox UNION ALL SELECT seq, path, "
                        "object FROM _coven_sent) ORDER BY seq DESC LIMIT 1"));
  COVEN_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return std::optional<OutboxItem>();
  return std::optional<OutboxItem>(ItemFromRow(stmt));
}

}  // namespace coven::engine
