// The statements of a push on the PostgreSQL store, shared by the push of
// one transaction (postgres_store_log.cc) and the group sent in two flights
// (postgres_store_group.cc). Prepared by name on each connection.
#ifndef COVEN_HUB_STORE_POSTGRES_PUSH_STATEMENTS_H_
#define COVEN_HUB_STORE_POSTGRES_PUSH_STATEMENTS_H_

#include <algorithm>
#include <cstdint>
#include <string_view>
#include <vector>

#include "coven/status.h"
#include "hub/store/paths.h"
#include "hub/store/pg_conn.h"
#include "hub/store/pg_pipeline.h"
#include "hub/store/push_plan.h"

namespace coven::hub::store {

inline constexpr PgStatement kPushSpace{"push_space",
                                        "SELECT 1 FROM spaces WHERE name=$1"};
inline constexpr PgStatement kEnsureHead{
    "ensure_head",
    "INSERT INTO heads(space, author, log_seq, head) "
    "VALUES($1, $2::int8, 0, ''::bytea) ON CONFLICT DO NOTHING"};
inline constexpr PgStatement kLockHead{
    "lock_head",
    "SELECT log_seq FROM heads WHERE space=$1 AND author=$2::int8 FOR UPDATE"};
inline constexpr PgStatement kStoredHashes{
    "stored_hashes",
    "SELECT seq, hash, size FROM log_objects WHERE space=$1 AND "
    "author=$2::int8 AND seq BETWEEN $3::int8 AND $4::int8"};
// A repair (RepairLogObjects): the stored copies of a push's seqs, and the
// rewrite of one whose bytes no longer match its recorded hash ($4).
inline constexpr PgStatement kStoredCopies{
    "stored_copies",
    "SELECT seq, hash, data FROM log_objects WHERE space=$1 AND "
    "author=$2::int8 AND seq BETWEEN $3::int8 AND $4::int8"};
inline constexpr PgStatement kRewriteObject{
    "rewrite_object",
    "UPDATE log_objects SET data=$5::bytea, size=$6::int8 WHERE space=$1 "
    "AND author=$2::int8 AND seq=$3::int8 AND hash=$4::bytea"};
// No ON CONFLICT: a row above the head (which cannot exist while we hold
// its lock) fails the statement, so the COMMIT sent with it is not run.
inline constexpr PgStatement kInsertObject{
    "insert_new_object",
    "INSERT INTO log_objects(space, author, seq, hash, size, data) "
    "VALUES($1, $2::int8, $3::int8, $4::bytea, $5::int8, $6::bytea)"};
inline constexpr PgStatement kMoveHead{
    "move_head",
    "UPDATE heads SET log_seq=$3::int8, "
    "head=CASE WHEN $4::bool THEN $5::bytea ELSE head END "
    "WHERE space=$1 AND author=$2::int8"};
/// A seq or size as an int8 column (values are below 2^63).
inline std::int64_t Col(std::uint64_t value) {
  return static_cast<std::int64_t>(std::min(value, kMaxSeq - 1));
}

/// The (space, author) key every push statement starts with.
inline PgParams Key(std::string_view space, std::int64_t author) {
  PgParams params;
  params.Text(space).Int(author);
  return params;
}

/// The stored hashes of the pushed seqs in [first, last], from the rows of
/// kStoredHashes. kDataLoss for a hash of the wrong size.
Result<std::vector<StoredHash>> StoredHashes(const PgResult& rows,
                                             std::uint64_t first,
                                             std::uint64_t last);

/// Queues the writes `plan` decided for `push` on `pipe`: an insert per new
/// object, then the head move when `move_head`. Errors: the pipeline's.
Status SendWrites(PgPipeline& pipe, const LogPush& push, const PushPlan& plan,
                  bool move_head);

}  // namespace coven::hub::store

#endif  // COVEN_HUB_STORE_POSTGRES_PUSH_STATEMENTS_H_
