// SqliteStore: registration challenges and the token key.
#include <algorithm>

#include "db/sql.h"
#include "hub/store/challenge_bounds.h"
#include "hub/store/sqlite_store.h"

namespace coven::hub::store {
namespace {

template <std::size_t N>
bool CopyTo(const Bytes& bytes, std::array<std::uint8_t, N>* out) {
  if (bytes.size() != N) return false;
  std::copy(bytes.begin(), bytes.end(), out->begin());
  return true;
}

}  // namespace

Status SqliteStore::PutChallenge(const Challenge& challenge,
                                 const ChallengeBounds& bounds) {
  std::lock_guard lock(write_mutex_);
  COVEN_ASSIGN_OR_RETURN(
      db::CachedStmt sweep,
      writer_->stmts.Get("DELETE FROM challenges WHERE expires_ms <= ?"));
  sweep->Bind(1, bounds.now_ms);
  COVEN_RETURN_IF_ERROR(sweep->Run());
  COVEN_ASSIGN_OR_RETURN(
      db::CachedStmt count,
      writer_->stmts.Get("SELECT count(*), coalesce(sum(space=?), 0) "
                         "FROM challenges"));
  count->Bind(1, challenge.space);
  COVEN_ASSIGN_OR_RETURN(bool counted, count->Step());
  const std::int64_t total = counted ? count->ColumnInt(0) : 0;
  const std::int64_t in_space = counted ? count->ColumnInt(1) : 0;
  count->Reset();
  COVEN_RETURN_IF_ERROR(
      CheckChallengeBounds(challenge, bounds, total, in_space));
  COVEN_ASSIGN_OR_RETURN(
      db::CachedStmt put,
      writer_->stmts.Get("INSERT INTO challenges(challenge, space, device, "
                         "expires_ms) VALUES(?,?,?,?) ON CONFLICT DO NOTHING"));
  BindBytes(put->get(), 1, challenge.bytes);
  put->Bind(2, challenge.space);
  BindBytes(put->get(), 3, challenge.device);
  put->Bind(4, challenge.expires_ms);
  COVEN_RETURN_IF_ERROR(put->Run());
  if (sqlite3_changes(writer_->db()) == 0) {
    return AlreadyExistsError("that challenge was handed out already");
  }
  return Status::Ok();
}

Result<Challenge> SqliteStore::TakeChallenge(
    const std::array<std::uint8_t, 32>& bytes, std::int64_t now_ms) {
  std::lock_guard lock(write_mutex_);
  // One statement removes and returns it: a second take finds nothing.
  COVEN_ASSIGN_OR_RETURN(
      db::CachedStmt take,
      writer_->stmts.Get("DELETE FROM challenges WHERE challenge=? "
                         "RETURNING space, device, expires_ms"));
  BindBytes(take->get(), 1, bytes);
  COVEN_ASSIGN_OR_RETURN(bool row, take->Step());
  Challenge challenge;
  challenge.bytes = bytes;
  bool found = false;
  if (row) {
    challenge.space = take->ColumnText(0);
    found = CopyTo(take->ColumnBlob(1), &challenge.device);
    challenge.expires_ms = take->ColumnInt(2);
    COVEN_ASSIGN_OR_RETURN(bool more, take->Step());
    (void)more;
  }
  take->Reset();
  // Expired challenges are never taken: drop them while here.
  COVEN_ASSIGN_OR_RETURN(
      db::CachedStmt sweep,
      writer_->stmts.Get("DELETE FROM challenges WHERE expires_ms <= ?"));
  sweep->Bind(1, now_ms);
  COVEN_RETURN_IF_ERROR(sweep->Run());
  if (!found || challenge.expires_ms <= now_ms) {
    return NotFoundError("no such challenge, or it expired: ask for a new one");
  }
  return challenge;
}

Result<std::array<std::uint8_t, 32>> SqliteStore::TokenKey(
    const std::function<std::array<std::uint8_t, 32>()>& make_key) {
  std::lock_guard lock(write_mutex_);
  COVEN_ASSIGN_OR_RETURN(db::Transaction tx,
                         db::Transaction::Begin(writer_->db()));
  COVEN_ASSIGN_OR_RETURN(
      db::CachedStmt get,
      writer_->stmts.Get("SELECT key FROM hub_keys WHERE id='token'"));
  COVEN_ASSIGN_OR_RETURN(bool row, get->Step());
  std::array<std::uint8_t, 32> key{};
  if (row) {
    if (!CopyTo(get->ColumnBlob(0), &key)) {
      return DataLossError("the hub's token key is damaged");
    }
    return key;
  }
  get->Reset();
  key = make_key();
  COVEN_ASSIGN_OR_RETURN(
      db::CachedStmt put,
      writer_->stmts.Get("INSERT INTO hub_keys(id, key) VALUES('token', ?)"));
  BindBytes(put->get(), 1, key);
  COVEN_RETURN_IF_ERROR(put->Run());
  COVEN_RETURN_IF_ERROR(tx.Commit());
  return key;
}

}  // namespace coven::hub::store
