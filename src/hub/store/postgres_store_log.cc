// PostgresStore: the author logs (PushLog, PullLog, ListHeads). The head
// row, locked FOR UPDATE inside the push transaction, orders every writer of
// one author (on any hub process): rows become visible in seq order with
// the head that covers them, so paging by seq below the head never skips
// (research/hub.md section 1A).
#include <algorithm>

#include "hub/store/paths.h"
#include "hub/store/postgres_store.h"
#include "hub/store/push_plan.h"

namespace coven::hub::store {
namespace {

constexpr PgStatement kEnsureHead{
    "ensure_head",
    "INSERT INTO heads(space, author, log_seq, head) "
    "VALUES($1, $2::int8, 0, ''::bytea) ON CONFLICT DO NOTHING"};
constexpr PgStatement kLockHead{
    "lock_head",
    "SELECT log_seq FROM heads WHERE space=$1 AND author=$2::int8 FOR UPDATE"};
constexpr PgStatement kStoredHashes{
    "stored_hashes",
    "SELECT seq, hash, size FROM log_objects WHERE space=$1 AND "
    "author=$2::int8 AND seq BETWEEN $3::int8 AND $4::int8"};
constexpr PgStatement kInsertObject{
    "insert_object",
    "INSERT INTO log_objects(space, author, seq, hash, size, data) "
    "VALUES($1, $2::int8, $3::int8, $4::bytea, $5::int8, $6::bytea) "
    "ON CONFLICT DO NOTHING"};
constexpr PgStatement kMoveHead{
    "move_head",
    "UPDATE heads SET log_seq=$3::int8, "
    "head=CASE WHEN $4::bool THEN $5::bytea ELSE head END "
    "WHERE space=$1 AND author=$2::int8"};
constexpr PgStatement kHeadSeq{
    "head_seq", "SELECT log_seq FROM heads WHERE space=$1 AND author=$2::int8"};
constexpr PgStatement kObjectSizes{
    "object_sizes",
    "SELECT seq, size FROM log_objects WHERE space=$1 AND author=$2::int8 "
    "AND seq > $3::int8 AND seq <= $4::int8 ORDER BY seq LIMIT $5::int8"};
constexpr PgStatement kObjectData{
    "object_data",
    "SELECT seq, data FROM log_objects WHERE space=$1 AND author=$2::int8 "
    "AND seq > $3::int8 AND seq <= $4::int8 AND size <= $5::int8 "
    "ORDER BY seq"};
constexpr PgStatement kListHeads{
    "list_heads",
    "SELECT author, log_seq, head FROM heads WHERE space=$1 AND log_seq > 0 "
    "ORDER BY author"};

std::int64_t Col(std::uint64_t seq) { return static_cast<std::int64_t>(seq); }

}  // namespace

Result<LogPushResult> PostgresStore::PushOn(PgConnection& conn,
                                            const LogPush& push) {
  const std::int64_t author = AuthorColumn(push.author);
  COVEN_RETURN_IF_ERROR(CheckSpace(conn, push.space));
  // Make sure the row exists, then lock it: a second writer of this author
  // waits here until we commit, and then re-reads the head.
  COVEN_RETURN_IF_ERROR(
      conn.Run(kEnsureHead, PgParams().Text(push.space).Int(author)).status());
  COVEN_ASSIGN_OR_RETURN(
      PgResult head,
      conn.Run(kLockHead, PgParams().Text(push.space).Int(author)));
  if (head.rows() != 1) return InternalError("the head row vanished");
  const auto log_seq = static_cast<std::uint64_t>(head.Int(0, 0));

  std::vector<StoredHash> stored;
  const auto [first, last] = StoredRange(push, log_seq);
  if (first <= last) {
    COVEN_ASSIGN_OR_RETURN(PgResult rows,
                           conn.Run(kStoredHashes, PgParams()
                                                       .Text(push.space)
                                                       .Int(author)
                                                       .Int(Col(first))
                                                       .Int(Col(last))));
    for (int i = 0; i < rows.rows(); ++i) {
      StoredHash hash;
      hash.seq = static_cast<std::uint64_t>(rows.Int(i, 0));
      const Bytes bytes = rows.Blob(i, 1);
      if (bytes.size() != hash.hash.size()) {
        return DataLossError("a stored log object has a bad hash");
      }
      std::copy(bytes.begin(), bytes.end(), hash.hash.begin());
      hash.size = static_cast<std::uint64_t>(rows.Int(i, 2));
      stored.push_back(hash);
    }
  }
  COVEN_ASSIGN_OR_RETURN(PushPlan plan, PlanPush(push, log_seq, stored));

  for (std::size_t i = plan.first_new; i < push.objects.size(); ++i) {
    const LogObject& object = push.objects[i];
    const crypto::Hash256 hash = LogObjectHash(object.data);
    COVEN_ASSIGN_OR_RETURN(
        PgResult inserted,
        conn.Run(kInsertObject,
                 PgParams()
                     .Text(push.space)
                     .Int(author)
                     .Int(Col(object.seq))
                     .Blob(hash)
                     .Int(static_cast<std::int64_t>(object.data.size()))
                     .Blob(object.data)));
    if (inserted.Affected() != 1) {
      // Nothing above the head can exist while we hold its lock.
      return DataLossError("log object " + LogPath(push.author, object.seq) +
                           " exists above the head " + std::to_string(log_seq));
    }
  }
  if (plan.log_seq != log_seq || plan.replace_head) {
    COVEN_RETURN_IF_ERROR(
        conn.Run(kMoveHead, PgParams()
                                .Text(push.space)
                                .Int(author)
                                .Int(Col(plan.log_seq))
                                .Bool(plan.replace_head)
                                .Blob(plan.replace_head ? ByteView(*push.head)
                                                        : ByteView()))
            .status());
  }
  LogPushResult result;
  result.stored =
      static_cast<std::uint32_t>(push.objects.size() - plan.first_new);
  result.already_had = plan.already_had;
  result.log_seq = plan.log_seq;
  result.head_replaced = plan.replace_head;
  return result;
}

Result<LogPushResult> PostgresStore::PushLog(const LogPush& push) {
  COVEN_RETURN_IF_ERROR(ValidatePush(push));
  // All or nothing: one transaction, acknowledged only once COMMIT answered.
  return pool_.With<LogPushResult>(true, [&](PgConnection& conn) {
    return InTransaction<LogPushResult>(conn,
                                        [&] { return PushOn(conn, push); });
  });
}

Result<std::vector<StoredObject>> PostgresStore::PullLog(
    const LogRange& range) {
  using Objects = std::vector<StoredObject>;
  const std::int64_t author = AuthorColumn(range.author);
  return pool_.With<Objects>(true, [&](PgConnection& conn) -> Result<Objects> {
    Objects objects;
    COVEN_ASSIGN_OR_RETURN(
        PgResult head,
        conn.Run(kHeadSeq, PgParams().Text(range.space).Int(author)));
    if (head.rows() == 0) {
      COVEN_RETURN_IF_ERROR(CheckSpace(conn, range.space));
      return objects;
    }
    // The head first: every seq at or below it committed with it.
    std::uint64_t upper = static_cast<std::uint64_t>(head.Int(0, 0));
    if (range.through_seq != 0) upper = std::min(upper, range.through_seq);
    if (range.after_seq >= upper || range.max_objects == 0) return objects;
    COVEN_ASSIGN_OR_RETURN(PgResult sizes,
                           conn.Run(kObjectSizes, PgParams()
                                                      .Text(range.space)
                                                      .Int(author)
                                                      .Int(Col(range.after_seq))
                                                      .Int(Col(upper))
                                                      .Int(range.max_objects)));
    // Decide by size which objects this page holds, then read only those.
    std::uint64_t bytes = 0;
    for (int i = 0; i < sizes.rows(); ++i) {
      StoredObject object;
      object.seq = static_cast<std::uint64_t>(sizes.Int(i, 0));
      object.size = static_cast<std::uint64_t>(sizes.Int(i, 1));
      const std::uint64_t expected = range.after_seq + objects.size() + 1;
      if (object.seq != expected) {
        return DataLossError("log object " + LogPath(range.author, expected) +
                             " is missing below the head");
      }
      object.too_large = object.size > range.max_object_bytes;
      const std::uint64_t cost = object.too_large ? 0 : object.size;
      if (!objects.empty() && bytes + cost > range.max_bytes) break;
      bytes += cost;
      objects.push_back(std::move(object));
    }
    if (objects.empty()) return objects;
    COVEN_ASSIGN_OR_RETURN(
        PgResult data,
        conn.Run(kObjectData,
                 PgParams()
                     .Text(range.space)
                     .Int(author)
                     .Int(Col(range.after_seq))
                     .Int(Col(objects.back().seq))
                     .Int(Col(std::min(range.max_object_bytes, kMaxSeq - 1)))));
    int row = 0;
    for (StoredObject& object : objects) {
      if (object.too_large) continue;
      if (row >= data.rows() ||
          static_cast<std::uint64_t>(data.Int(row, 0)) != object.seq) {
        return DataLossError("log object " + LogPath(range.author, object.seq) +
                             " vanished while read");
      }
      object.data = data.Blob(row, 1);
      ++row;
    }
    return objects;
  });
}

Result<std::vector<HeadRow>> PostgresStore::ListHeads(std::string_view space) {
  using Heads = std::vector<HeadRow>;
  return pool_.With<Heads>(true, [&](PgConnection& conn) -> Result<Heads> {
    COVEN_RETURN_IF_ERROR(CheckSpace(conn, space));
    COVEN_ASSIGN_OR_RETURN(PgResult rows,
                           conn.Run(kListHeads, PgParams().Text(space)));
    Heads heads;
    for (int i = 0; i < rows.rows(); ++i) {
      HeadRow head;
      head.author = AuthorFromColumn(rows.Int(i, 0));
      head.log_seq = static_cast<std::uint64_t>(rows.Int(i, 1));
      head.head = rows.Blob(i, 2);
      heads.push_back(std::move(head));
    }
    return heads;
  });
}

}  // namespace coven::hub::store
