// PostgresStore: the author logs (PushLog, PullLog, ListHeads). The head
// row, locked FOR UPDATE inside the push transaction, orders every writer of
// one author (on any hub process): rows become visible in seq order with
// the head that covers them, so paging by seq below the head never skips
// (research/hub.md section 1A).
//
// Round trips are the cost of this store (a push's statements are each
// cheap): a push takes two flights (libpq pipeline mode), and so does a
// group of pushes of different authors (postgres_store_group.cc); a page of
// a pull takes one statement.
#include <algorithm>
#include <tuple>

#include "hub/store/paths.h"
#include "hub/store/pg_pipeline.h"
#include "hub/store/postgres_push_statements.h"
#include "hub/store/postgres_store.h"
#include "hub/store/push_plan.h"

namespace coven::hub::store {
namespace {

// One page of a pull: the head's seq, then the objects above $3 up to the
// head (and $4), at most $6 of them. An object's data comes only when it
// is at most $5 bytes and still within the page's $7 bytes (the first
// object always is); the row after the page's last comes too, without its
// data, so the caller checks it for a gap as before.
constexpr PgStatement kPullPage{
    "pull_page",
    "SELECT h.log_seq, p.seq, p.size, p.data FROM heads h LEFT JOIN LATERAL "
    "(SELECT seq, size, CASE WHEN size <= $5::int8 AND "
    "(n = 1 OR running <= $7::int8) THEN data END AS data FROM "
    "(SELECT seq, size, data, row_number() OVER w AS n, "
    "sum(CASE WHEN size <= $5::int8 THEN size ELSE 0 END) OVER w AS running "
    "FROM log_objects WHERE space=$1 AND author=$2::int8 AND seq > $3::int8 "
    "AND seq <= LEAST(h.log_seq, $4::int8) "
    "WINDOW w AS (ORDER BY seq ROWS UNBOUNDED PRECEDING) "
    "ORDER BY seq LIMIT $6::int8) page "
    "WHERE n = 1 OR running - CASE WHEN size <= $5::int8 THEN size ELSE 0 END "
    "<= $7::int8) p ON true "
    "WHERE h.space=$1 AND h.author=$2::int8 ORDER BY p.seq"};
constexpr PgStatement kListHeads{
    "list_heads",
    "SELECT author, log_seq, head FROM heads WHERE space=$1 AND log_seq > 0 "
    "ORDER BY author"};

// How PushFlights opens and closes its work: a transaction of its own
// (BEGIN ... COMMIT), or a savepoint inside a group's transaction.
struct Bracket {
  bool own_transaction = true;
  std::string_view open() const {
    return own_transaction ? "BEGIN" : "SAVEPOINT push";
  }
  std::string_view close() const {
    return own_transaction ? "COMMIT" : "RELEASE SAVEPOINT push";
  }
};

// The push on `conn`, BEGIN to COMMIT (or SAVEPOINT to RELEASE), in two
// flights. The caller rolls back when it fails.
Result<LogPushResult> PushFlights(PgConnection& conn, const LogPush& push,
                                  Bracket bracket) {
  const std::int64_t author = AuthorColumn(push.author);
  COVEN_ASSIGN_OR_RETURN(PgPipeline pipe, PgPipeline::Start(conn));
  // Flight 1: check the space, make sure the head row exists, then lock
  // it (a second writer of this author waits here until we commit), and
  // read what is stored at the pushed seqs. The server runs these in
  // order, so the read sees every row of whoever held the lock before.
  COVEN_RETURN_IF_ERROR(pipe.Send(bracket.open()));
  COVEN_RETURN_IF_ERROR(pipe.Send(kPushSpace, PgParams().Text(push.space)));
  COVEN_RETURN_IF_ERROR(pipe.Send(kEnsureHead, Key(push.space, author)));
  COVEN_RETURN_IF_ERROR(pipe.Send(kLockHead, Key(push.space, author)));
  const bool has_objects = !push.objects.empty();
  if (has_objects) {
    COVEN_RETURN_IF_ERROR(
        pipe.Send(kStoredHashes, Key(push.space, author)
                                     .Int(Col(push.objects.front().seq))
                                     .Int(Col(push.objects.back().seq))));
  }
  COVEN_RETURN_IF_ERROR(pipe.Flush());
  COVEN_RETURN_IF_ERROR(pipe.Next().status());  // BEGIN or SAVEPOINT
  COVEN_ASSIGN_OR_RETURN(PgResult space, pipe.Next());
  if (space.rows() == 0) {
    return NotFoundError("no space \"" + push.space + "\"");
  }
  COVEN_RETURN_IF_ERROR(pipe.Next().status());  // ensure_head
  COVEN_ASSIGN_OR_RETURN(PgResult head, pipe.Next());
  if (head.rows() != 1) return InternalError("the head row vanished");
  const auto log_seq = static_cast<std::uint64_t>(head.Int(0, 0));
  std::vector<StoredHash> stored;
  if (has_objects) {
    COVEN_ASSIGN_OR_RETURN(PgResult rows, pipe.Next());
    const auto [first, last] = StoredRange(push, log_seq);
    COVEN_ASSIGN_OR_RETURN(stored, StoredHashes(rows, first, last));
  }
  COVEN_ASSIGN_OR_RETURN(PushPlan plan, PlanPush(push, log_seq, stored));

  // Flight 2: the new objects, the head, COMMIT (or RELEASE).
  const bool move = plan.log_seq != log_seq || plan.replace_head;
  COVEN_RETURN_IF_ERROR(SendWrites(pipe, push, plan, move));
  // From the COMMIT on, a broken connection leaves its outcome unknown
  // (inside a group, the group's COMMIT was not sent yet: nothing stored).
  auto unknown = [&](Status status) {
    if (conn.Broken() && bracket.own_transaction) {
      conn.MarkCommitUnknown();
      return UnavailableError(
          "the connection to PostgreSQL broke during COMMIT: the write may "
          "or may not be stored; retry it (retries are idempotent): " +
          status.ToString());
    }
    return status;
  };
  Status sent = pipe.Send(bracket.close());
  if (sent.ok()) sent = pipe.Flush();
  if (!sent.ok()) return unknown(sent);
  for (std::size_t i = plan.first_new; i < push.objects.size(); ++i) {
    Result<PgResult> inserted = pipe.Next();
    if (!inserted.ok() && !conn.Broken() &&
        inserted.status().code() == StatusCode::kAlreadyExists) {
      const std::uint64_t seq = push.objects[i].seq;
      return DataLossError("log object " + LogPath(push.author, seq) +
                           " exists above the head " + std::to_string(log_seq));
    }
    if (!inserted.ok()) return unknown(inserted.status());
  }
  if (move) {
    Status moved = pipe.Next().status();
    if (!moved.ok()) return unknown(moved);
  }
  Result<PgResult> committed = pipe.Next();
  if (!committed.ok()) {
    // Whatever the error, this connection is not reused for a retry.
    if (!pipe.aborted() && bracket.own_transaction) conn.MarkCommitUnknown();
    return unknown(committed.status());
  }
  // COMMIT of a transaction that failed answers ROLLBACK.
  if (bracket.own_transaction &&
      std::string_view(PQcmdStatus((*committed).get())) != "COMMIT") {
    return AbortedError("PostgreSQL rolled the transaction back; retry");
  }
  LogPushResult result;
  result.stored =
      static_cast<std::uint32_t>(push.objects.size() - plan.first_new);
  result.already_had = plan.already_had;
  result.log_seq = plan.log_seq;
  result.head_replaced = plan.replace_head;
  return result;
}

}  // namespace

Result<LogPushResult> PostgresStore::PushOn(PgConnection& conn,
                                            const LogPush& push) {
  Result<LogPushResult> result = PushFlights(conn, push, Bracket{});
  // All or nothing: a failed push leaves no transaction open (the pipeline
  // is over by now, so ROLLBACK can run).
  if (!result.ok() && !conn.Broken() &&
      PQtransactionStatus(conn.get()) != PQTRANS_IDLE) {
    conn.Rollback();
  }
  return result;
}

Result<LogPushResult> PostgresStore::PushLog(const LogPush& push) {
  COVEN_RETURN_IF_ERROR(ValidatePush(push));
  return groups_.Push(push);
}

void PostgresStore::SubmitPushLog(
    const LogPush& push, std::function<void(Result<LogPushResult>)> done) {
  Status valid = ValidatePush(push);
  if (!valid.ok()) return done(valid);
  groups_.Submit(push, std::move(done));
}

std::vector<Result<LogPushResult>> PostgresStore::PushLogs(
    std::span<const LogPush* const> pushes) {
  using Results = std::vector<Result<LogPushResult>>;
  if (pushes.size() == 1) {
    // A lone push commits on its own: two flights, no savepoint.
    Results results;
    Status valid = ValidatePush(*pushes[0]);
    if (!valid.ok()) {
      results.emplace_back(valid);
    } else {
      // Acknowledged only once COMMIT answered COMMIT.
      results.push_back(pool_.With<LogPushResult>(
          true, [&](PgConnection& conn) { return PushOn(conn, *pushes[0]); }));
    }
    return results;
  }
  // Head rows are locked in (space, author) order, so two groups (on two
  // connections, or two hub processes) never wait for each other in a
  // cycle; one author's pushes keep their order.
  std::vector<std::size_t> order(pushes.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) {
                     return std::tie(pushes[a]->space, pushes[a]->author) <
                            std::tie(pushes[b]->space, pushes[b]->author);
                   });
  bool different_authors = true;
  for (std::size_t k = 1; k < order.size(); ++k) {
    const LogPush& a = *pushes[order[k - 1]];
    const LogPush& b = *pushes[order[k]];
    if (a.space == b.space && a.author == b.author) different_authors = false;
  }
  Results results;
  Result<bool> group =
      pool_.With<bool>(true, [&](PgConnection& conn) -> Result<bool> {
        results.assign(pushes.size(),
                       Result<LogPushResult>(InternalError("not run")));
        // Two flights for the group when no author comes twice (a second
        // push of one author is planned on what the first one stored).
        if (different_authors) {
          COVEN_ASSIGN_OR_RETURN(
              bool over, PushGroupInTwoFlights(conn, pushes, order, results));
          if (over) return true;
          results.assign(pushes.size(),
                         Result<LogPushResult>(InternalError("not run")));
        }
        // One by one, each push under its own savepoint.
        COVEN_RETURN_IF_ERROR(conn.Exec("BEGIN").status());
        bool any_stored = false;
        for (std::size_t i : order) {
          Status valid = ValidatePush(*pushes[i]);
          if (!valid.ok()) {
            results[i] = valid;
            continue;
          }
          results[i] =
              PushFlights(conn, *pushes[i], Bracket{.own_transaction = false});
          if (conn.Broken()) {
            return UnavailableError(
                "the connection to PostgreSQL broke during a group of "
                "pushes, before its COMMIT: nothing of it is stored; retry "
                "(retries are idempotent): " +
                results[i].status().ToString());
          }
          if (results[i].ok()) {
            any_stored = true;
            continue;
          }
          // Undo this push alone; the others of the group stay.
          Result<PgResult> undo = conn.Exec("ROLLBACK TO SAVEPOINT push");
          if (!undo.ok()) {
            conn.Rollback();
            return undo.status();
          }
          COVEN_RETURN_IF_ERROR(conn.Exec("RELEASE SAVEPOINT push").status());
        }
        if (!any_stored) {
          conn.Rollback();
          return true;
        }
        // Acknowledged only once COMMIT answered COMMIT.
        COVEN_RETURN_IF_ERROR(conn.Commit());
        return true;
      });
  if (!group.ok()) {
    results.assign(pushes.size(), Result<LogPushResult>(group.status()));
  }
  return results;
}

Result<std::uint32_t> PostgresStore::RepairLogObjects(const LogPush& push,
                                                      std::uint32_t held) {
  COVEN_RETURN_IF_ERROR(ValidatePush(push));
  if (push.objects.empty() || held == 0) return 0;
  // (Named, not a structured binding: clang 14 cannot capture one.)
  const std::pair<std::uint64_t, std::uint64_t> held_range =
      HeldRange(push, held);
  const std::uint64_t first = held_range.first;
  const std::uint64_t last = held_range.second;
  const std::int64_t author = AuthorColumn(push.author);
  // Not retried on a broken connection: the caller logs the failure, and
  // the author's next push of these objects repairs them.
  return pool_.With<std::uint32_t>(
      false, [&](PgConnection& conn) -> Result<std::uint32_t> {
        COVEN_ASSIGN_OR_RETURN(
            PgResult rows,
            conn.Run(kStoredCopies,
                     Key(push.space, author).Int(Col(first)).Int(Col(last))));
        std::vector<StoredCopy> stored;
        for (int i = 0; i < rows.rows(); ++i) {
          std::optional<StoredCopy> copy =
              CopyFromRow(static_cast<std::uint64_t>(rows.Int(i, 0)),
                          rows.Blob(i, 1), rows.Blob(i, 2));
          if (copy) stored.push_back(std::move(*copy));
        }
        std::uint32_t repaired = 0;
        // Each statement on its own (autocommit): it rewrites a copy only
        // while it still has the recorded hash the pushed bytes match.
        for (const LogObject* object : DamagedCopies(push, stored)) {
          COVEN_ASSIGN_OR_RETURN(
              PgResult updated,
              conn.Run(kRewriteObject, Key(push.space, author)
                                           .Int(Col(object->seq))
                                           .Blob(LogObjectHash(object->data))
                                           .Blob(object->data)
                                           .Int(static_cast<std::int64_t>(
                                               object->data.size()))));
          repaired += static_cast<std::uint32_t>(updated.Affected());
        }
        return repaired;
      });
}

Result<LogPage> PostgresStore::ReadLogPage(const LogRange& range) {
  const std::int64_t author = AuthorColumn(range.author);
  return pool_.With<LogPage>(true, [&](PgConnection& conn) -> Result<LogPage> {
    LogPage page;
    std::vector<StoredObject>& objects = page.objects;
    const std::uint64_t through =
        range.through_seq == 0 ? kMaxSeq - 1 : range.through_seq;
    COVEN_ASSIGN_OR_RETURN(
        PgResult rows, conn.Run(kPullPage, Key(range.space, author)
                                               .Int(Col(range.after_seq))
                                               .Int(Col(through))
                                               .Int(Col(range.max_object_bytes))
                                               .Int(Col(range.max_objects))
                                               .Int(Col(range.max_bytes))));
    if (rows.rows() == 0) {
      COVEN_RETURN_IF_ERROR(CheckSpace(conn, range.space));
      return page;
    }
    // The head first: every seq at or below it committed with it.
    page.head_seq = static_cast<std::uint64_t>(rows.Int(0, 0));
    const auto upper = std::min(page.head_seq, through);
    if (range.after_seq >= upper || range.max_objects == 0) return page;
    std::uint64_t bytes = 0;
    for (int i = 0; i < rows.rows() && !rows.IsNull(i, 1); ++i) {
      StoredObject object;
      object.seq = static_cast<std::uint64_t>(rows.Int(i, 1));
      object.size = static_cast<std::uint64_t>(rows.Int(i, 2));
      const std::uint64_t expected = range.after_seq + objects.size() + 1;
      if (object.seq != expected) {
        return DataLossError("log object " + LogPath(range.author, expected) +
                             " is missing below the head");
      }
      object.too_large = object.size > range.max_object_bytes;
      const std::uint64_t cost = object.too_large ? 0 : object.size;
      if (!objects.empty() && bytes + cost > range.max_bytes) break;
      if (!object.too_large) {
        if (rows.IsNull(i, 3)) {
          return InternalError("log object " +
                               LogPath(range.author, object.seq) +
                               " came without its data");
        }
        object.data = rows.Blob(i, 3);
      }
      bytes += cost;
      objects.push_back(std::move(object));
    }
    return page;
  });
}

Result<std::vector<HeadRow>> PostgresStore::ListHeads(std::string_view space) {
  using Heads = std::vector<HeadRow>;
  return pool_.With<Heads>(true, [&](PgConnection& conn) -> Result<Heads> {
    COVEN_ASSIGN_OR_RETURN(PgResult rows,
                           conn.Run(kListHeads, PgParams().Text(space)));
    // A space with heads exists (spaces are never removed): only an empty
    // answer needs the space looked up.
    if (rows.rows() == 0) COVEN_RETURN_IF_ERROR(CheckSpace(conn, space));
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
