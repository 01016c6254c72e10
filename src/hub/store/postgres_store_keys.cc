// PostgresStore: registration challenges and the token key, shared by every
// hub process on the database.
#include <algorithm>

#include "hub/store/challenge_bounds.h"
#include "hub/store/postgres_store.h"

namespace coven::hub::store {
namespace {

constexpr PgStatement kPutChallenge{
    "put_challenge",
    "INSERT INTO challenges(challenge, space, device, expires_ms) "
    "VALUES($1::bytea, $2, $3::bytea, $4::int8) ON CONFLICT DO NOTHING"};
// One statement: a challenge is taken once, by one process.
constexpr PgStatement kTakeChallenge{
    "take_challenge",
    "DELETE FROM challenges WHERE challenge=$1::bytea "
    "RETURNING space, device, expires_ms"};
constexpr PgStatement kSweepChallenges{
    "sweep_challenges", "DELETE FROM challenges WHERE expires_ms <= $1::int8"};
constexpr PgStatement kCountChallenges{
    "count_challenges",
    "SELECT count(*), count(*) FILTER (WHERE space=$1) FROM challenges"};
constexpr PgStatement kPutKey{
    "put_key",
    "INSERT INTO hub_keys(id, key) VALUES('token', $1::bytea) "
    "ON CONFLICT DO NOTHING"};
constexpr PgStatement kGetKey{"get_key",
                              "SELECT key FROM hub_keys WHERE id='token'"};

template <std::size_t N>
bool CopyTo(const Bytes& bytes, std::array<std::uint8_t, N>* out) {
  if (bytes.size() != N) return false;
  std::copy(bytes.begin(), bytes.end(), out->begin());
  return true;
}

}  // namespace

Status PostgresStore::PutChallenge(const Challenge& challenge,
                                   const ChallengeBounds& bounds) {
  return pool_
      .With<bool>(
          false,
          [&](PgConnection& conn) -> Result<bool> {
            COVEN_RETURN_IF_ERROR(
                conn.Run(kSweepChallenges, PgParams().Int(bounds.now_ms))
                    .status());
            // Counted, then inserted: processes racing may pass a
            // bound by a few, never without bound.
            COVEN_ASSIGN_OR_RETURN(
                PgResult counted,
                conn.Run(kCountChallenges, PgParams().Text(challenge.space)));
            COVEN_RETURN_IF_ERROR(CheckChallengeBounds(
                challenge, bounds, counted.Int(0, 0), counted.Int(0, 1)));
            COVEN_ASSIGN_OR_RETURN(
                PgResult put,
                conn.Run(kPutChallenge, PgParams()
                                            .Blob(challenge.bytes)
                                            .Text(challenge.space)
                                            .Blob(challenge.device)
                                            .Int(challenge.expires_ms)));
            if (put.Affected() == 0) {
              return AlreadyExistsError(
                  "that challenge was handed out already");
            }
            return true;
          })
      .status();
}

Result<Challenge> PostgresStore::TakeChallenge(
    const std::array<std::uint8_t, 32>& bytes, std::int64_t now_ms) {
  return pool_.With<Challenge>(
      false, [&](PgConnection& conn) -> Result<Challenge> {
        COVEN_ASSIGN_OR_RETURN(
            PgResult taken, conn.Run(kTakeChallenge, PgParams().Blob(bytes)));
        Challenge challenge;
        challenge.bytes = bytes;
        bool found = false;
        if (taken.rows() == 1) {
          challenge.space = taken.Text(0, 0);
          found = CopyTo(taken.Blob(0, 1), &challenge.device);
          challenge.expires_ms = taken.Int(0, 2);
        }
        // Expired challenges are never taken: drop them while here.
        COVEN_RETURN_IF_ERROR(
            conn.Run(kSweepChallenges, PgParams().Int(now_ms)).status());
        if (!found || challenge.expires_ms <= now_ms) {
          return NotFoundError(
              "no such challenge, or it expired: ask for a new one");
        }
        return challenge;
      });
}

Result<std::array<std::uint8_t, 32>> PostgresStore::TokenKey(
    const std::function<std::array<std::uint8_t, 32>()>& make_key) {
  using Key = std::array<std::uint8_t, 32>;
  return pool_.With<Key>(true, [&](PgConnection& conn) -> Result<Key> {
    Key key{};
    COVEN_ASSIGN_OR_RETURN(PgResult got, conn.Run(kGetKey, PgParams()));
    if (got.rows() == 0) {
      // Of two processes making one at once, the first insert wins and
      // both read it back.
      const Key made = make_key();
      COVEN_RETURN_IF_ERROR(conn.Run(kPutKey, PgParams().Blob(made)).status());
      COVEN_ASSIGN_OR_RETURN(got, conn.Run(kGetKey, PgParams()));
    }
    if (got.rows() != 1 || !CopyTo(got.Blob(0, 0), &key)) {
      return DataLossError("the hub's token key is missing or damaged");
    }
    return key;
  });
}

}  // namespace coven::hub::store
