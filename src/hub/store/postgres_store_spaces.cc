// The PostgreSQL store's spaces: claims, reclaims and the home marker.
#include <algorithm>

#include "hub/store/postgres_store.h"
#include "hub/store/space_errors.h"

namespace coven::hub::store {
namespace {

constexpr PgStatement kGetSpace{
    "get_space", "SELECT founder, marker FROM spaces WHERE name=$1"};
constexpr PgStatement kCreateSpace{
    "create_space",
    "INSERT INTO spaces(name, founder, created_ms) VALUES($1, $2::bytea, "
    "$3::int8) ON CONFLICT DO NOTHING"};
// Only a space's founder writes its marker while it has no member log, and
// may then replace it (an init cut short after its marker, retried); once
// the log exists, anyone may write a missing marker, nobody replace it. The
// condition is evaluated again on the row a concurrent reclaim left.
constexpr PgStatement kSetMarker{
    "set_marker",
    "UPDATE spaces SET marker=$2::bytea WHERE name=$1 AND CASE WHEN "
    "EXISTS(SELECT 1 FROM members WHERE space=$1) THEN marker IS NULL ELSE "
    "founder=$3::bytea END"};
constexpr PgStatement kHoldsAnything{
    "holds_anything",
    "SELECT ((SELECT marker IS NOT NULL FROM spaces WHERE name=$1) "
    "OR EXISTS(SELECT 1 FROM members WHERE space=$1) "
    "OR EXISTS(SELECT 1 FROM objects WHERE space=$1) "
    "OR EXISTS(SELECT 1 FROM log_objects WHERE space=$1) "
    "OR EXISTS(SELECT 1 FROM heads WHERE space=$1))::int"};
// FOR SHARE: a reclaim (FOR UPDATE) waits for the writer's transaction,
// or the writer reads the founder the reclaim left.
constexpr PgStatement kFounderWrite{
    "founder_write",
    "SELECT founder, EXISTS(SELECT 1 FROM members WHERE space=$1)::int "
    "FROM spaces WHERE name=$1 FOR SHARE"};
constexpr PgStatement kLockFounder{
    "lock_founder", "SELECT founder FROM spaces WHERE name=$1 FOR UPDATE"};
constexpr PgStatement kSetFounder{
    "set_founder",
    "UPDATE spaces SET founder=$2::bytea, created_ms=$3::int8 WHERE name=$1"};

bool SameBytes(const Bytes& stored, ByteView bytes) {
  return stored.size() == bytes.size() &&
         std::equal(stored.begin(), stored.end(), bytes.begin());
}

}  // namespace

Result<Space> PostgresStore::GetSpace(std::string_view name) {
  return pool_.With<Space>(true, [&](PgConnection& conn) -> Result<Space> {
    COVEN_ASSIGN_OR_RETURN(PgResult row,
                           conn.Run(kGetSpace, PgParams().Text(name)));
    if (row.rows() == 0) return NoSpace(name);
    Space space;
    space.name = std::string(name);
    const Bytes founder = row.Blob(0, 0);
    if (founder.size() != space.founder.size()) {
      return DataLossError("space \"" + space.name + "\" has a bad founder");
    }
    std::copy(founder.begin(), founder.end(), space.founder.begin());
    if (!row.IsNull(0, 1)) space.marker = row.Blob(0, 1);
    return space;
  });
}

Status PostgresStore::CreateSpace(std::string_view name,
                                  const std::array<std::uint8_t, 32>& founder) {
  if (name.empty()) return InvalidArgumentError("space name is empty");
  return pool_
      .With<bool>(
          false,
          [&](PgConnection& conn) -> Result<bool> {
            COVEN_ASSIGN_OR_RETURN(
                PgResult done,
                conn.Run(kCreateSpace,
                         PgParams().Text(name).Blob(founder).Int(NowMs())));
            if (done.Affected() == 0) {
              return AlreadyExistsError("space \"" + std::string(name) +
                                        "\" already exists");
            }
            return true;
          })
      .status();
}

Status PostgresStore::CheckFounderWrite(
    PgConnection& conn, std::string_view space,
    const std::array<std::uint8_t, 32>& writer) {
  COVEN_ASSIGN_OR_RETURN(PgResult row,
                         conn.Run(kFounderWrite, PgParams().Text(space)));
  if (row.rows() == 0) return NoSpace(space);
  if (row.Int(0, 1) == 0 && !SameBytes(row.Blob(0, 0), writer)) {
    return ClaimedByAnother(space);
  }
  return Status::Ok();
}

Result<bool> PostgresStore::HoldsAnything(PgConnection& conn,
                                          std::string_view space) {
  COVEN_ASSIGN_OR_RETURN(PgResult row,
                         conn.Run(kHoldsAnything, PgParams().Text(space)));
  return row.rows() == 1 && !row.IsNull(0, 0) && row.Int(0, 0) != 0;
}

Result<bool> PostgresStore::SpaceIsEmpty(std::string_view name) {
  return pool_.With<bool>(true, [&](PgConnection& conn) -> Result<bool> {
    COVEN_RETURN_IF_ERROR(CheckSpace(conn, name));
    COVEN_ASSIGN_OR_RETURN(bool holds, HoldsAnything(conn, name));
    return !holds;
  });
}

Status PostgresStore::ReclaimSpace(
    std::string_view name, const std::array<std::uint8_t, 32>& previous,
    const std::array<std::uint8_t, 32>& founder) {
  auto reclaim = [&](PgConnection& conn) -> Result<bool> {
    // The space row's lock orders the reclaim with marker writes and
    // member-log appends, which take it too.
    COVEN_ASSIGN_OR_RETURN(PgResult locked,
                           conn.Run(kLockFounder, PgParams().Text(name)));
    if (locked.rows() == 0) return NoSpace(name);
    if (!SameBytes(locked.Blob(0, 0), previous)) {
      return FailedPreconditionError("space \"" + std::string(name) +
                                     "\" was claimed again meanwhile");
    }
    COVEN_ASSIGN_OR_RETURN(bool holds, HoldsAnything(conn, name));
    if (holds) {
      return FailedPreconditionError("space \"" + std::string(name) +
                                     "\" holds data");
    }
    COVEN_RETURN_IF_ERROR(
        conn.Run(kSetFounder, PgParams().Text(name).Blob(founder).Int(NowMs()))
            .status());
    return true;
  };
  return InPooledTransaction(pool_, true, reclaim);
}

Status PostgresStore::PutMarker(std::string_view space, ByteView marker,
                                const std::array<std::uint8_t, 32>& writer) {
  return pool_
      .With<bool>(
          true,
          [&](PgConnection& conn) -> Result<bool> {
            // One statement: of two racing writers, one sets it.
            COVEN_ASSIGN_OR_RETURN(
                PgResult set,
                conn.Run(kSetMarker,
                         PgParams().Text(space).Blob(marker).Blob(writer)));
            if (set.Affected() == 1) return true;
            COVEN_ASSIGN_OR_RETURN(PgResult row,
                                   conn.Run(kGetSpace, PgParams().Text(space)));
            if (row.rows() == 0) return NoSpace(space);
            if (row.IsNull(0, 1)) return ClaimedByAnother(space);
            if (SameBytes(row.Blob(0, 1), marker)) return true;
            return AlreadyExistsError("space \"" + std::string(space) +
                                      "\" already has another marker");
          })
      .status();
}

}  // namespace coven::hub::store
