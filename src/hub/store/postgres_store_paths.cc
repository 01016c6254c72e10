// PostgresStore: every object by path, as a home names it (GetObject,
// ListPaths; docs/format/hub-store.md).
#include <algorithm>
#include <string>

#include "hub/store/paths.h"
#include "hub/store/postgres_store.h"

namespace coven::hub::store {
namespace {

// Each: $1 the limit (0: none), $2 the space, then the kind's key. Column 0
// is the size; column 1 the bytes, NULL when over the limit.
#define COVEN_SIZED(col, rest)           \
  "SELECT octet_length(" col             \
  ")::int8, CASE WHEN $1::int8 > 0 AND " \
  "octet_length(" col ") > $1::int8 THEN NULL ELSE " col " END " rest

constexpr PgStatement kGetMarker{
    "get_marker", COVEN_SIZED("marker", "FROM spaces WHERE name=$2")};
constexpr PgStatement kGetHead{
    "get_head", COVEN_SIZED("head",
                            "FROM heads WHERE space=$2 AND author=$3::int8 "
                            "AND octet_length(head) > 0")};
constexpr PgStatement kGetLog{"get_log",
                              COVEN_SIZED("data",
                                          "FROM log_objects WHERE space=$2 AND "
                                          "author=$3::int8 AND seq=$4::int8")};
// A piece of a log object: its size, then bytes from $4 (1-based) for $5.
// PostgreSQL fetches only the TOAST chunks of the slice of an object
// stored uncompressed, as sealed bytes are (they do not compress).
constexpr PgStatement kGetLogPiece{
    "get_log_piece",
    "SELECT size, substring(data from $4::int8::int4 for $5::int8::int4) "
    "FROM log_objects WHERE space=$1 AND author=$2::int8 AND seq=$3::int8"};
constexpr PgStatement kGetMember{
    "get_member_sized",
    COVEN_SIZED("data", "FROM members WHERE space=$2 AND slot=$3::int8")};
constexpr PgStatement kGetOther{
    "get_other",
    COVEN_SIZED("data", "FROM objects WHERE space=$2 AND path=$3")};
#undef COVEN_SIZED

constexpr PgStatement kListMarker{
    "list_marker",
    "SELECT octet_length(marker)::int8 FROM spaces WHERE name=$1 AND "
    "marker IS NOT NULL"};
constexpr PgStatement kListHeadPaths{
    "list_head_paths",
    "SELECT author, octet_length(head)::int8 FROM heads WHERE space=$1 AND "
    "author >= $2::int8 AND log_seq > 0 AND octet_length(head) > 0 "
    "ORDER BY author LIMIT $3::int8"};
constexpr PgStatement kListLogPaths{
    "list_log_paths",
    "SELECT author, seq, size FROM log_objects WHERE space=$1 AND "
    "(author, seq) >= ($2::int8, $3::int8) ORDER BY author, seq "
    "LIMIT $4::int8"};
constexpr PgStatement kListMemberPaths{
    "list_member_paths",
    "SELECT slot, octet_length(data)::int8 FROM members WHERE space=$1 AND "
    "slot >= $2::int8 ORDER BY slot LIMIT $3::int8"};
constexpr PgStatement kListObjectPaths{
    "list_object_paths",
    "SELECT path, octet_length(data)::int8 FROM objects WHERE space=$1 AND "
    "path >= $2 ORDER BY path LIMIT $3::int8"};
constexpr PgStatement kSpaceExists{"paths_space_exists",
                                   "SELECT 1 FROM spaces WHERE name=$1"};

}  // namespace

Result<Bytes> PostgresStore::GetObject(std::string_view space,
                                       std::string_view path,
                                       std::uint64_t max_bytes) {
  const ParsedPath parsed = ParsePath(path);
  PgParams params;
  params.Int(static_cast<std::int64_t>(std::min(max_bytes, kMaxSeq - 1)))
      .Text(space);
  const PgStatement* statement = nullptr;
  switch (parsed.kind) {
    case ParsedPath::Kind::kMarker:
      statement = &kGetMarker;
      break;
    case ParsedPath::Kind::kHead:
      statement = &kGetHead;
      params.Int(AuthorColumn(parsed.author));
      break;
    case ParsedPath::Kind::kLog:
      statement = &kGetLog;
      params.Int(AuthorColumn(parsed.author))
          .Int(static_cast<std::int64_t>(parsed.seq));
      break;
    case ParsedPath::Kind::kMember:
      statement = &kGetMember;
      params.Int(static_cast<std::int64_t>(parsed.seq));
      break;
    case ParsedPath::Kind::kObject:
      statement = &kGetOther;
      params.Text(path);
      break;
    case ParsedPath::Kind::kInvalid:
      return NotFoundError("no object \"" + std::string(path) + "\"");
  }
  if ((parsed.kind == ParsedPath::Kind::kLog ||
       parsed.kind == ParsedPath::Kind::kMember) &&
      parsed.seq >= kMaxSeq) {
    return NotFoundError("no object \"" + std::string(path) + "\"");
  }
  return pool_.With<Bytes>(true, [&](PgConnection& conn) -> Result<Bytes> {
    COVEN_ASSIGN_OR_RETURN(PgResult row, conn.Run(*statement, params));
    if (row.rows() == 0 || row.IsNull(0, 0)) {
      return NotFoundError("no object \"" + std::string(path) + "\" in \"" +
                           std::string(space) + "\"");
    }
    if (row.IsNull(0, 1)) {
      return ResourceExhaustedError(
          "\"" + std::string(path) + "\" is " + std::to_string(row.Int(0, 0)) +
          " bytes, over the limit of " + std::to_string(max_bytes));
    }
    return row.Blob(0, 1);
  });
}

Result<std::vector<PathInfo>> PostgresStore::ListPaths(
    std::string_view space, std::string_view prefix,
    std::string_view start_after, std::uint32_t limit) {
  using Paths = std::vector<PathInfo>;
  const Listing listing(prefix, start_after, limit);
  const std::int64_t rows = static_cast<std::int64_t>(limit) + 1;
  return pool_.With<Paths>(true, [&](PgConnection& conn) -> Result<Paths> {
    COVEN_ASSIGN_OR_RETURN(PgResult exists,
                           conn.Run(kSpaceExists, PgParams().Text(space)));
    if (exists.rows() == 0) {
      return NotFoundError("no space \"" + std::string(space) + "\"");
    }
    if (limit == 0) return Paths{};
    std::vector<Paths> kinds;
    // Runs one kind's statement, offering each row as `make` names it.
    auto read_kind = [&](const PgStatement& statement, const PgParams& params,
                         auto make) -> Status {
      COVEN_ASSIGN_OR_RETURN(PgResult result, conn.Run(statement, params));
      Paths& out = kinds.emplace_back();
      for (int i = 0; i < result.rows(); ++i) {
        if (!listing.Add(&out, make(result, i))) break;
      }
      return Status::Ok();
    };
    auto size_at = [](const PgResult& r, int i, int col) {
      return static_cast<std::uint64_t>(r.Int(i, col));
    };
    if (listing.Wants(kMarkerPath)) {
      COVEN_RETURN_IF_ERROR(read_kind(
          kListMarker, PgParams().Text(space), [&](const PgResult& r, int i) {
            return PathInfo{std::string(kMarkerPath), size_at(r, i, 0)};
          }));
    }
    if (auto first = listing.FirstKey("heads/")) {
      COVEN_RETURN_IF_ERROR(
          read_kind(kListHeadPaths,
                    PgParams().Text(space).Int(AuthorColumn(*first)).Int(rows),
                    [&](const PgResult& r, int i) {
                      return PathInfo{HeadPath(AuthorFromColumn(r.Int(i, 0))),
                                      size_at(r, i, 1)};
                    }));
    }
    if (auto first = listing.FirstLogKey()) {
      COVEN_RETURN_IF_ERROR(read_kind(
          kListLogPaths,
          PgParams()
              .Text(space)
              .Int(AuthorColumn(first->first))
              .Int(static_cast<std::int64_t>(first->second))
              .Int(rows),
          [&](const PgResult& r, int i) {
            return PathInfo{
                LogPath(AuthorFromColumn(r.Int(i, 0)), size_at(r, i, 1)),
                size_at(r, i, 2)};
          }));
    }
    if (auto first = listing.FirstKey("members/"); first && *first < kMaxSeq) {
      COVEN_RETURN_IF_ERROR(read_kind(
          kListMemberPaths,
          PgParams()
              .Text(space)
              .Int(static_cast<std::int64_t>(*first))
              .Int(rows),
          [&](const PgResult& r, int i) {
            return PathInfo{MemberPath(size_at(r, i, 0)), size_at(r, i, 1)};
          }));
    }
    COVEN_RETURN_IF_ERROR(
        read_kind(kListObjectPaths,
                  PgParams().Text(space).Text(listing.Lower()).Int(rows),
                  [&](const PgResult& r, int i) {
                    return PathInfo{r.Text(i, 0), size_at(r, i, 1)};
                  }));
    return listing.Merge(std::move(kinds));
  });
}

Result<LogPiece> PostgresStore::GetLogPiece(std::string_view space,
                                            std::uint64_t author,
                                            std::uint64_t seq,
                                            std::uint64_t offset,
                                            std::uint64_t length) {
  const std::string path = LogPath(author, seq);
  // Objects are at most a few GiB below int4's reach: the hub's limit is
  // far smaller, so offsets and lengths fit.
  constexpr std::uint64_t kInt4 = 0x7fffffff;
  const std::uint64_t from = std::min(offset, kInt4 - 1) + 1;
  const std::uint64_t count = std::min(length, kInt4);
  return pool_.With<LogPiece>(
      true, [&](PgConnection& conn) -> Result<LogPiece> {
        PgParams params;
        params.Text(space)
            .Int(AuthorColumn(author))
            .Int(static_cast<std::int64_t>(std::min(seq, kMaxSeq - 1)))
            .Int(static_cast<std::int64_t>(from))
            .Int(static_cast<std::int64_t>(count));
        COVEN_ASSIGN_OR_RETURN(PgResult rows, conn.Run(kGetLogPiece, params));
        if (rows.rows() == 0) {
          return NoLogObject(space, path);
        }
        LogPiece piece;
        piece.size = static_cast<std::uint64_t>(rows.Int(0, 0));
        if (offset > piece.size) {
          return OffsetPastTheEnd(path, piece.size, offset);
        }
        piece.data = rows.Blob(0, 1);
        return piece;
      });
}

}  // namespace coven::hub::store
