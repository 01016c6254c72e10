// SqliteStore: every object by path, as a home names it (GetObject,
// ListPaths; docs/format/hub-store.md).
#include <algorithm>
#include <string>

#include "db/sql.h"
#include "hub/store/paths.h"
#include "hub/store/sqlite_store.h"

namespace coven::hub::store {
namespace {

// "SELECT length(COLUMN), COLUMN unless over ?1 FROM ... WHERE ..." with the
// caller's parameters from ?2.
std::string SizedSelect(std::string_view column, std::string_view rest) {
  const std::string c(column);
  return "SELECT length(" + c + "), CASE WHEN ?1 > 0 AND length(" + c +
         ") > ?1 THEN NULL ELSE " + c + " END " + std::string(rest);
}

}  // namespace

Result<Bytes> SqliteStore::GetObject(std::string_view space,
                                     std::string_view path,
                                     std::uint64_t max_bytes) {
  const ParsedPath parsed = ParsePath(path);
  std::string sql;
  switch (parsed.kind) {
    case ParsedPath::Kind::kMarker:
      sql = SizedSelect("marker", "FROM spaces WHERE name=?2");
      break;
    case ParsedPath::Kind::kHead:
      sql = SizedSelect("head",
                        "FROM heads WHERE space=?2 AND author=?3 AND "
                        "length(head) > 0");
      break;
    case ParsedPath::Kind::kLog:
      sql = SizedSelect("data",
                        "FROM log_objects WHERE space=?2 AND author=?3 AND "
                        "seq=?4");
      break;
    case ParsedPath::Kind::kMember:
      sql = SizedSelect("data", "FROM members WHERE space=?2 AND slot=?4");
      break;
    case ParsedPath::Kind::kObject:
      sql = SizedSelect("data", "FROM objects WHERE space=?2 AND path=?5");
      break;
    case ParsedPath::Kind::kInvalid:
      return NotFoundError("no object \"" + std::string(path) + "\"");
  }
  Reader reader = Read();
  COVEN_ASSIGN_OR_RETURN(db::CachedStmt get, reader.conn().stmts.Get(sql));
  get->Bind(1, static_cast<std::int64_t>(
                   std::min<std::uint64_t>(max_bytes, kMaxSeq - 1)))
      .Bind(2, space);
  const int count = sqlite3_bind_parameter_count(get->get());
  if (count >= 3) get->Bind(3, AuthorColumn(parsed.author));
  if (count >= 4) get->Bind(4, static_cast<std::int64_t>(parsed.seq));
  if (count >= 5) get->Bind(5, path);
  COVEN_ASSIGN_OR_RETURN(bool row, get->Step());
  if (!row || get->ColumnIsNull(0)) {
    return NotFoundError("no object \"" + std::string(path) + "\" in \"" +
                         std::string(space) + "\"");
  }
  if (get->ColumnIsNull(1)) {
    return ResourceExhaustedError("\"" + std::string(path) + "\" is " +
                                  std::to_string(get->ColumnInt(0)) +
                                  " bytes, over the limit of " +
                                  std::to_string(max_bytes));
  }
  return get->ColumnBlob(1);
}

Result<std::vector<PathInfo>> SqliteStore::ListPaths(
    std::string_view space, std::string_view prefix,
    std::string_view start_after, std::uint32_t limit) {
  const Listing listing(prefix, start_after, limit);
  Reader reader = Read();
  Connection& conn = reader.conn();
  COVEN_RETURN_IF_ERROR(CheckSpace(conn, space));
  if (limit == 0) return std::vector<PathInfo>{};
  const auto rows = static_cast<std::int64_t>(limit) + 1;
  std::vector<std::vector<PathInfo>> kinds;

  // Runs `sql` (?1 space, then `bind`), offering each row as `make` names
  // it.
  auto read_kind = [&](const std::string& sql, auto bind, auto make) -> Status {
    COVEN_ASSIGN_OR_RETURN(db::CachedStmt get, conn.stmts.Get(sql));
    get->Bind(1, space);
    bind(*get);
    std::vector<PathInfo>& out = kinds.emplace_back();
    while (true) {
      COVEN_ASSIGN_OR_RETURN(bool row, get->Step());
      if (!row || !listing.Add(&out, make(*get))) break;
    }
    return Status::Ok();
  };
  auto size_at = [](const db::Stmt& get, int col) {
    return static_cast<std::uint64_t>(get.ColumnInt(col));
  };

  if (listing.Wants(kMarkerPath)) {
    COVEN_RETURN_IF_ERROR(read_kind(
        "SELECT length(marker) FROM spaces WHERE name=?1 AND marker NOT NULL",
        [](db::Stmt&) {},
        [&](const db::Stmt& get) {
          return PathInfo{std::string(kMarkerPath), size_at(get, 0)};
        }));
  }
  if (auto first = listing.FirstKey("heads/")) {
    COVEN_RETURN_IF_ERROR(read_kind(
        "SELECT author, length(head) FROM heads WHERE space=?1 AND "
        "author >= ?2 AND log_seq > 0 AND length(head) > 0 ORDER BY author "
        "LIMIT ?3",
        [&](db::Stmt& get) { get.Bind(2, AuthorColumn(*first)).Bind(3, rows); },
        [&](const db::Stmt& get) {
          return PathInfo{HeadPath(AuthorFromColumn(get.ColumnInt(0))),
                          size_at(get, 1)};
        }));
  }
  if (auto first = listing.FirstLogKey()) {
    COVEN_RETURN_IF_ERROR(read_kind(
        "SELECT author, seq, size FROM log_objects WHERE space=?1 AND "
        "(author, seq) >= (?2, ?3) ORDER BY author, seq LIMIT ?4",
        [&](db::Stmt& get) {
          get.Bind(2, AuthorColumn(first->first))
              .Bind(3, static_cast<std::int64_t>(first->second))
              .Bind(4, rows);
        },
        [&](const db::Stmt& get) {
          return PathInfo{
              LogPath(AuthorFromColumn(get.ColumnInt(0)), size_at(get, 1)),
              size_at(get, 2)};
        }));
  }
  if (auto first = listing.FirstKey("members/"); first && *first < kMaxSeq) {
    COVEN_RETURN_IF_ERROR(read_kind(
        "SELECT slot, length(data) FROM members WHERE space=?1 AND slot >= ?2 "
        "ORDER BY slot LIMIT ?3",
        [&](db::Stmt& get) {
          get.Bind(2, static_cast<std::int64_t>(*first)).Bind(3, rows);
        },
        [&](const db::Stmt& get) {
          return PathInfo{MemberPath(size_at(get, 0)), size_at(get, 1)};
        }));
  }
  COVEN_RETURN_IF_ERROR(read_kind(
      "SELECT path, length(data) FROM objects WHERE space=?1 AND path >= ?2 "
      "ORDER BY path LIMIT ?3",
      [&](db::Stmt& get) { get.Bind(2, listing.Lower()).Bind(3, rows); },
      [&](const db::Stmt& get) {
        return PathInfo{get.ColumnText(0), size_at(get, 1)};
      }));
  return listing.Merge(std::move(kinds));
}

Result<LogPiece> SqliteStore::GetLogPiece(std::string_view space,
                                          std::uint64_t author,
                                          std::uint64_t seq,
                                          std::uint64_t offset,
                                          std::uint64_t length) {
  const std::string path = LogPath(author, seq);
  Reader reader = Read();
  Connection& conn = reader.conn();
  COVEN_ASSIGN_OR_RETURN(
      db::CachedStmt find,
      conn.stmts.Get("SELECT rowid, size FROM log_objects WHERE space=? AND "
                     "author=? AND seq=?"));
  find->Bind(1, space)
      .Bind(2, AuthorColumn(author))
      .Bind(3, static_cast<std::int64_t>(std::min(seq, kMaxSeq - 1)));
  COVEN_ASSIGN_OR_RETURN(bool row, find->Step());
  if (!row) {
    return NoLogObject(space, path);
  }
  const sqlite3_int64 rowid = find->ColumnInt(0);
  LogPiece piece;
  piece.size = static_cast<std::uint64_t>(find->ColumnInt(1));
  find->Reset();
  if (offset > piece.size) {
    return OffsetPastTheEnd(path, piece.size, offset);
  }
  const std::uint64_t take = std::min(length, piece.size - offset);
  if (take == 0) return piece;
  // Incremental blob I/O reads the pages of this piece, not the object.
  sqlite3_blob* blob = nullptr;
  int rc = sqlite3_blob_open(conn.db(), "main", "log_objects", "data", rowid,
                             /*flags=*/0, &blob);
  if (rc == SQLITE_OK) {
    piece.data.resize(static_cast<std::size_t>(take));
    rc = sqlite3_blob_read(blob, piece.data.data(), static_cast<int>(take),
                           static_cast<int>(offset));
  }
  Status status = rc == SQLITE_OK
                      ? Status::Ok()
                      : db::SqliteError(conn.db(), rc, "reading " + path);
  sqlite3_blob_close(blob);
  COVEN_RETURN_IF_ERROR(status);
  return piece;
}

}  // namespace coven::hub::store
