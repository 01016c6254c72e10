// PostgreSQL store: a group of pushes of different authors in two flights
// of statements that each take the whole group in array parameters
// (unnest), so a group costs seven statements whatever its size:
//
//   flight 1: BEGIN; the head rows made where missing (for spaces that
//             exist); the head rows locked in (space, author) order; the
//             stored hashes at the pushed seqs (retries);
//   flight 2: the new objects of every push; the heads that move; COMMIT.
//
// Between the flights each push is planned on its own (PlanPush), so a fork
// or a gap refuses that push alone and sends nothing of it. A statement
// that fails in flight 2 (which the held head locks leave no reason for)
// aborts the whole transaction: nothing is stored, and PushLogs runs the
// group again push by push, where it fails alone.
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "hub/store/paths.h"
#include "hub/store/pg_array.h"
#include "hub/store/pg_pipeline.h"
#include "hub/store/postgres_push_statements.h"
#include "hub/store/postgres_store.h"
#include "hub/store/push_plan.h"

namespace coven::hub::store {
namespace {

// $1 spaces, $2 authors (one per push).
// Inserted in the arrays' order, which is (space, author) order, so two
// groups making the same new rows never wait for each other in a cycle.
constexpr PgStatement kEnsureHeads{
    "group_ensure_heads",
    "INSERT INTO heads(space, author, log_seq, head) "
    "SELECT t.s, t.a, 0, ''::bytea FROM unnest($1::text[], $2::int8[]) "
    "WITH ORDINALITY AS t(s, a, n) "
    "WHERE EXISTS (SELECT 1 FROM spaces WHERE name=t.s) ORDER BY t.n "
    "ON CONFLICT DO NOTHING"};
// Locks in the sorted order (the sort runs below the row locking), the
// order every writer takes, so two groups never wait for each other in a
// cycle. A push whose space does not exist has no row.
constexpr PgStatement kLockHeads{
    "group_lock_heads",
    "SELECT h.space, h.author, h.log_seq FROM heads h "
    "JOIN unnest($1::text[], $2::int8[]) AS t(s, a) "
    "ON h.space=t.s AND h.author=t.a "
    "ORDER BY h.space, h.author FOR UPDATE OF h"};
// $1 spaces, $2 authors, $3 first and $4 last pushed seq (pushes with
// objects).
constexpr PgStatement kGroupStoredHashes{
    "group_stored_hashes",
    "SELECT o.space, o.author, o.seq, o.hash, o.size FROM log_objects o "
    "JOIN unnest($1::text[], $2::int8[], $3::int8[], $4::int8[]) "
    "AS t(s, a, lo, hi) "
    "ON o.space=t.s AND o.author=t.a AND o.seq BETWEEN t.lo AND t.hi"};
// No ON CONFLICT: a row above a head (which cannot exist while we hold its
// lock) fails the statement, so the COMMIT sent with it is not run.
constexpr PgStatement kInsertObjects{
    "group_insert_objects",
    "INSERT INTO log_objects(space, author, seq, hash, size, data) "
    "SELECT * FROM unnest($1::text[], $2::int8[], $3::int8[], $4::bytea[], "
    "$5::int8[], $6::bytea[])"};
constexpr PgStatement kMoveHeads{
    "group_move_heads",
    "UPDATE heads h SET log_seq=t.seq, "
    "head=CASE WHEN t.replace THEN t.bytes ELSE h.head END "
    "FROM unnest($1::text[], $2::int8[], $3::int8[], $4::bool[], "
    "$5::bytea[]) AS t(s, a, seq, replace, bytes) "
    "WHERE h.space=t.s AND h.author=t.a"};

using AuthorKey = std::tuple<std::string, std::int64_t>;

enum class GroupOutcome {
  kCommitted,
  kNothingToStore,  // Every push was refused or a retry: roll back.
  kOneByOne,        // A statement failed: roll back, push one by one.
};

struct PlannedPush {
  std::size_t index = 0;     // In the group.
  std::uint64_t before = 0;  // The head's seq before.
  PushPlan plan;
  bool moves_head() const {
    return plan.log_seq != before || plan.replace_head;
  }
};

Status CommitUnknown(PgConnection& conn, const Status& status) {
  conn.MarkCommitUnknown();
  return UnavailableError(
      "the connection to PostgreSQL broke during the COMMIT of a group of "
      "pushes: they may or may not be stored; retry them (retries are "
      "idempotent): " +
      status.ToString());
}

// Flight 1, sent: reads its answers and plans each push of `sent`. A
// refused push gets its error in `results`.
Result<std::vector<PlannedPush>> ReadHeads(
    PgPipeline& pipe, std::span<const LogPush* const> pushes,
    const std::vector<std::size_t>& sent, bool hashes_sent,
    std::vector<Result<LogPushResult>>& results) {
  COVEN_RETURN_IF_ERROR(pipe.Next().status());  // BEGIN
  COVEN_RETURN_IF_ERROR(pipe.Next().status());  // group_ensure_heads
  COVEN_ASSIGN_OR_RETURN(PgResult heads, pipe.Next());
  std::map<AuthorKey, std::uint64_t> head_seqs;
  for (int r = 0; r < heads.rows(); ++r) {
    head_seqs[{heads.Text(r, 0), heads.Int(r, 1)}] =
        static_cast<std::uint64_t>(heads.Int(r, 2));
  }
  std::map<AuthorKey, std::vector<StoredHash>> stored_of;
  if (hashes_sent) {
    COVEN_ASSIGN_OR_RETURN(PgResult rows, pipe.Next());
    for (int r = 0; r < rows.rows(); ++r) {
      StoredHash hash;
      hash.seq = static_cast<std::uint64_t>(rows.Int(r, 2));
      const Bytes bytes = rows.Blob(r, 3);
      if (bytes.size() != hash.hash.size()) {
        return DataLossError("a stored log object has a bad hash");
      }
      std::copy(bytes.begin(), bytes.end(), hash.hash.begin());
      hash.size = static_cast<std::uint64_t>(rows.Int(r, 4));
      stored_of[{rows.Text(r, 0), rows.Int(r, 1)}].push_back(hash);
    }
  }
  std::vector<PlannedPush> planned;
  for (std::size_t i : sent) {
    const LogPush& push = *pushes[i];
    const AuthorKey key{push.space, AuthorColumn(push.author)};
    auto head = head_seqs.find(key);
    if (head == head_seqs.end()) {
      // group_ensure_heads made a row for every push to a space that
      // exists.
      results[i] = NotFoundError("no space \"" + push.space + "\"");
      continue;
    }
    PlannedPush entry{.index = i, .before = head->second, .plan = {}};
    std::vector<StoredHash> stored;
    auto rows = stored_of.find(key);
    if (rows != stored_of.end()) {
      const auto [first, last] = StoredRange(push, entry.before);
      for (const StoredHash& hash : rows->second) {
        if (hash.seq >= first && hash.seq <= last) stored.push_back(hash);
      }
      std::sort(stored.begin(), stored.end(),
                [](const StoredHash& a, const StoredHash& b) {
                  return a.seq < b.seq;
                });
    }
    Result<PushPlan> plan = PlanPush(push, entry.before, stored);
    if (!plan.ok()) {
      results[i] = plan.status();
      continue;
    }
    entry.plan = *plan;
    planned.push_back(entry);
  }
  return planned;
}

// Flight 2: the writes of `planned` and COMMIT. kOneByOne when a statement
// failed (the transaction is then aborted, nothing stored).
Result<GroupOutcome> WriteAndCommit(PgConnection& conn, PgPipeline& pipe,
                                    std::span<const LogPush* const> pushes,
                                    const std::vector<PlannedPush>& planned) {
  PgArray spaces(PgArray::Type::kText), authors(PgArray::Type::kInt8),
      seqs(PgArray::Type::kInt8), hashes(PgArray::Type::kBytea),
      sizes(PgArray::Type::kInt8), data(PgArray::Type::kBytea);
  PgArray head_spaces(PgArray::Type::kText), head_authors(PgArray::Type::kInt8),
      head_seqs(PgArray::Type::kInt8), replace(PgArray::Type::kBool),
      head_bytes(PgArray::Type::kBytea);
  for (const PlannedPush& entry : planned) {
    const LogPush& push = *pushes[entry.index];
    const std::int64_t author = AuthorColumn(push.author);
    for (std::size_t i = entry.plan.first_new; i < push.objects.size(); ++i) {
      const LogObject& object = push.objects[i];
      const crypto::Hash256 hash = LogObjectHash(object.data);
      spaces.AddText(push.space);
      authors.AddInt(author);
      seqs.AddInt(Col(object.seq));
      hashes.Add(ByteView(hash.data(), hash.size()));
      sizes.AddInt(static_cast<std::int64_t>(object.data.size()));
      data.Add(object.data);
    }
    if (!entry.moves_head()) continue;
    head_spaces.AddText(push.space);
    head_authors.AddInt(author);
    head_seqs.AddInt(Col(entry.plan.log_seq));
    replace.AddBool(entry.plan.replace_head);
    head_bytes.Add(entry.plan.replace_head ? ByteView(*push.head) : ByteView());
  }
  std::size_t statements = 0;
  if (spaces.size() > 0) {
    COVEN_RETURN_IF_ERROR(
        pipe.Send(kInsertObjects, PgParams()
                                      .Binary(std::move(spaces).Encode())
                                      .Binary(std::move(authors).Encode())
                                      .Binary(std::move(seqs).Encode())
                                      .Binary(std::move(hashes).Encode())
                                      .Binary(std::move(sizes).Encode())
                                      .Binary(std::move(data).Encode())));
    ++statements;
  }
  if (head_spaces.size() > 0) {
    COVEN_RETURN_IF_ERROR(
        pipe.Send(kMoveHeads, PgParams()
                                  .Binary(std::move(head_spaces).Encode())
                                  .Binary(std::move(head_authors).Encode())
                                  .Binary(std::move(head_seqs).Encode())
                                  .Binary(std::move(replace).Encode())
                                  .Binary(std::move(head_bytes).Encode())));
    ++statements;
  }
  // From here on, a broken connection leaves the outcome unknown.
  Status sent = pipe.Send("COMMIT");
  if (sent.ok()) sent = pipe.Flush();
  if (!sent.ok()) return CommitUnknown(conn, sent);
  for (std::size_t k = 0; k < statements; ++k) {
    Result<PgResult> written = pipe.Next();
    if (written.ok()) continue;
    if (conn.Broken()) return CommitUnknown(conn, written.status());
    return GroupOutcome::kOneByOne;
  }
  Result<PgResult> committed = pipe.Next();
  if (!committed.ok()) {
    if (conn.Broken()) return CommitUnknown(conn, committed.status());
    // COMMIT itself failed: PostgreSQL rolled back; do not reuse the
    // connection.
    conn.MarkCommitUnknown();
    return committed.status();
  }
  // COMMIT of a transaction that failed answers ROLLBACK.
  if (std::string_view(PQcmdStatus((*committed).get())) != "COMMIT") {
    return GroupOutcome::kOneByOne;
  }
  return GroupOutcome::kCommitted;
}

Result<GroupOutcome> RunFlights(PgConnection& conn,
                                std::span<const LogPush* const> pushes,
                                std::span<const std::size_t> order,
                                std::vector<Result<LogPushResult>>& results) {
  COVEN_ASSIGN_OR_RETURN(PgPipeline pipe, PgPipeline::Start(conn));
  COVEN_RETURN_IF_ERROR(pipe.Send("BEGIN"));
  std::vector<std::size_t> sent;
  PgArray spaces(PgArray::Type::kText), authors(PgArray::Type::kInt8);
  PgArray range_spaces(PgArray::Type::kText),
      range_authors(PgArray::Type::kInt8), firsts(PgArray::Type::kInt8),
      lasts(PgArray::Type::kInt8);
  for (std::size_t i : order) {
    const LogPush& push = *pushes[i];
    Status valid = ValidatePush(push);
    if (!valid.ok()) {
      results[i] = valid;
      continue;
    }
    const std::int64_t author = AuthorColumn(push.author);
    spaces.AddText(push.space);
    authors.AddInt(author);
    if (!push.objects.empty()) {
      range_spaces.AddText(push.space);
      range_authors.AddInt(author);
      firsts.AddInt(Col(push.objects.front().seq));
      lasts.AddInt(Col(push.objects.back().seq));
    }
    sent.push_back(i);
  }
  if (sent.empty()) return GroupOutcome::kNothingToStore;
  const std::string space_array = std::move(spaces).Encode();
  const std::string author_array = std::move(authors).Encode();
  COVEN_RETURN_IF_ERROR(pipe.Send(
      kEnsureHeads, PgParams().Binary(space_array).Binary(author_array)));
  COVEN_RETURN_IF_ERROR(pipe.Send(
      kLockHeads, PgParams().Binary(space_array).Binary(author_array)));
  const bool hashes_sent = range_spaces.size() > 0;
  if (hashes_sent) {
    COVEN_RETURN_IF_ERROR(pipe.Send(
        kGroupStoredHashes, PgParams()
                                .Binary(std::move(range_spaces).Encode())
                                .Binary(std::move(range_authors).Encode())
                                .Binary(std::move(firsts).Encode())
                                .Binary(std::move(lasts).Encode())));
  }
  COVEN_RETURN_IF_ERROR(pipe.Flush());
  Result<std::vector<PlannedPush>> planned =
      ReadHeads(pipe, pushes, sent, hashes_sent, results);
  if (!planned.ok()) {
    if (conn.Broken()) return planned.status();
    return GroupOutcome::kOneByOne;
  }
  if (planned->empty()) return GroupOutcome::kNothingToStore;
  bool writes = false;
  for (const PlannedPush& entry : *planned) {
    writes = writes || entry.moves_head() ||
             entry.plan.first_new < pushes[entry.index]->objects.size();
  }
  if (writes) {
    COVEN_ASSIGN_OR_RETURN(GroupOutcome outcome,
                           WriteAndCommit(conn, pipe, pushes, *planned));
    if (outcome != GroupOutcome::kCommitted) return outcome;
  }
  for (const PlannedPush& entry : *planned) {
    const LogPush& push = *pushes[entry.index];
    LogPushResult result;
    result.stored =
        static_cast<std::uint32_t>(push.objects.size() - entry.plan.first_new);
    result.already_had = entry.plan.already_had;
    result.log_seq = entry.plan.log_seq;
    result.head_replaced = entry.plan.replace_head;
    results[entry.index] = result;
  }
  return writes ? GroupOutcome::kCommitted : GroupOutcome::kNothingToStore;
}

}  // namespace

Result<bool> PostgresStore::PushGroupInTwoFlights(
    PgConnection& conn, std::span<const LogPush* const> pushes,
    std::span<const std::size_t> order,
    std::vector<Result<LogPushResult>>& results) {
  // The pipeline is over once RunFlights returns, so ROLLBACK can run.
  Result<GroupOutcome> outcome = RunFlights(conn, pushes, order, results);
  if (!conn.Broken() && PQtransactionStatus(conn.get()) != PQTRANS_IDLE) {
    conn.Rollback();
  }
  if (!outcome.ok()) return outcome.status();
  return *outcome != GroupOutcome::kOneByOne;
}

}  // namespace coven::hub::store
