// PostgresStore: a group of pushes of different authors in two flights.
// Pushing one by one costs a group two round trips per push (each under its
// own savepoint); here the whole group takes two, whatever its size:
//
//   flight 1: BEGIN, and per push: the space, its head row (made if new,
//             then locked), the stored hashes at the pushed seqs;
//   flight 2: per push that stores something: the new objects and the
//             head; then COMMIT.
//
// Between the flights each push is planned on its own (PlanPush), so a fork
// or a gap refuses that push alone and sends nothing of it. A statement
// that fails in flight 2 (which a held head lock leaves no reason for)
// aborts the whole transaction: nothing is stored, and PushLogs runs the
// group again push by push, where it fails alone.
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "hub/store/paths.h"
#include "hub/store/pg_pipeline.h"
#include "hub/store/postgres_push_statements.h"
#include "hub/store/postgres_store.h"
#include "hub/store/push_plan.h"

namespace coven::hub::store {
namespace {

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

// Flight 1, sent: reads what it answered for each push of `sent`, in order,
// and plans each push. A refused push gets its error in `results`.
Result<std::vector<PlannedPush>> ReadHeads(
    PgPipeline& pipe, std::span<const LogPush* const> pushes,
    const std::vector<std::size_t>& sent,
    std::vector<Result<LogPushResult>>& results) {
  COVEN_RETURN_IF_ERROR(pipe.Next().status());  // BEGIN
  std::vector<PlannedPush> planned;
  for (std::size_t i : sent) {
    const LogPush& push = *pushes[i];
    COVEN_ASSIGN_OR_RETURN(PgResult space, pipe.Next());
    COVEN_RETURN_IF_ERROR(pipe.Next().status());  // ensure_head_if_space
    COVEN_ASSIGN_OR_RETURN(PgResult head, pipe.Next());
    std::optional<PgResult> rows;
    if (!push.objects.empty()) {
      COVEN_ASSIGN_OR_RETURN(rows, pipe.Next());
    }
    if (space.rows() == 0) {
      results[i] = NotFoundError("no space \"" + push.space + "\"");
      continue;
    }
    if (head.rows() != 1) {
      results[i] = InternalError("the head row vanished");
      continue;
    }
    PlannedPush entry{.index = i,
                      .before = static_cast<std::uint64_t>(head.Int(0, 0)),
                      .plan = {}};
    std::vector<StoredHash> stored;
    if (rows.has_value()) {
      const auto [first, last] = StoredRange(push, entry.before);
      Result<std::vector<StoredHash>> hashes = StoredHashes(*rows, first, last);
      if (!hashes.ok()) {
        results[i] = hashes.status();
        continue;
      }
      stored = *std::move(hashes);
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
  for (const PlannedPush& entry : planned) {
    COVEN_RETURN_IF_ERROR(
        SendWrites(pipe, *pushes[entry.index], entry.plan, entry.moves_head()));
  }
  // From here on, a broken connection leaves the outcome unknown.
  Status sent = pipe.Send("COMMIT");
  if (sent.ok()) sent = pipe.Flush();
  if (!sent.ok()) return CommitUnknown(conn, sent);
  for (const PlannedPush& entry : planned) {
    const LogPush& push = *pushes[entry.index];
    const std::size_t writes = push.objects.size() - entry.plan.first_new +
                               (entry.moves_head() ? 1 : 0);
    for (std::size_t k = 0; k < writes; ++k) {
      Result<PgResult> written = pipe.Next();
      if (written.ok()) continue;
      if (conn.Broken()) return CommitUnknown(conn, written.status());
      return GroupOutcome::kOneByOne;
    }
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
  for (std::size_t i : order) {
    const LogPush& push = *pushes[i];
    Status valid = ValidatePush(push);
    if (!valid.ok()) {
      results[i] = valid;
      continue;
    }
    const std::int64_t author = AuthorColumn(push.author);
    COVEN_RETURN_IF_ERROR(pipe.Send(kPushSpace, PgParams().Text(push.space)));
    COVEN_RETURN_IF_ERROR(
        pipe.Send(kEnsureHeadIfSpace, Key(push.space, author)));
    COVEN_RETURN_IF_ERROR(pipe.Send(kLockHead, Key(push.space, author)));
    if (!push.objects.empty()) {
      COVEN_RETURN_IF_ERROR(
          pipe.Send(kStoredHashes, Key(push.space, author)
                                       .Int(Col(push.objects.front().seq))
                                       .Int(Col(push.objects.back().seq))));
    }
    sent.push_back(i);
  }
  COVEN_RETURN_IF_ERROR(pipe.Flush());
  Result<std::vector<PlannedPush>> planned =
      ReadHeads(pipe, pushes, sent, results);
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
