// The outbox: this device's sealed objects on their way to the home
// (cloud_outbox), and the sent store that keeps each one after the home
// took it (_coven_sent), so that self-repair can store it again
// (docs/format/database.md).
//
// An item enters in the flush transaction that sealed it, and leaves (moved
// to the sent store) in one transaction with the push bookkeeping, so a kill
// between any two steps leaves it either queued or fully recorded.
//
// Thread safety: none. The caller holds the SyncDb write mutex around every
// call; calls that belong to a larger transaction run inside the caller's.
#ifndef COVEN_ENGINE_OUTBOX_H_
#define COVEN_ENGINE_OUTBOX_H_

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "coven/bytes.h"
#include "coven/status.h"
#include "home/home_layout.h"

namespace coven::engine {

/// One queued object.
struct OutboxItem {
  std::uint64_t seq = 0;
  home::layout::ItemKind kind = home::layout::ItemKind::kLogObject;
  std::string path;  ///< Where it goes in the home.
  Bytes object;      ///< The sealed bytes.
};

class Outbox {
 public:
  explicit Outbox(sqlite3* conn) : conn_(conn) {}

  /// Queues `object` as this device's object `seq`. Runs inside the caller's
  /// flush transaction. `rows`: changed rows it carries.
  Status Enqueue(std::uint64_t seq, const std::string& path,
                 const Bytes& object, std::size_t rows,
                 std::int64_t created_ms);
  /// The oldest `limit` queued items, in seq order.
  Result<std::vector<OutboxItem>> Peek(std::size_t limit);
  /// Moves item `seq` to the sent store. Returns whether this call moved it
  /// (false: another process on this library did first). Runs inside the
  /// caller's transaction, with the push bookkeeping.
  Result<bool> Ack(std::uint64_t seq, std::int64_t sent_ms);
  /// Records a failed upload of item `seq` (attempts + 1, the error).
  Status NoteFailure(std::uint64_t seq, const std::string& error);
  /// Whether item `seq` is queued.
  Result<bool> Contains(std::uint64_t seq);
  /// How many items are queued.
  Result<std::size_t> Count();
  /// Why the oldest item is not stored yet: "<error> (<n> attempt(s))";
  /// empty when the outbox is empty or its oldest item never failed.
  Result<std::string> OldestFailure();

  // The sent store.
  /// Keeps `object` (found stored in the home) as sent object `seq`.
  Status KeepSent(std::uint64_t seq, const std::string& path,
                  const Bytes& object, std::int64_t sent_ms);
  /// The kept copy of sent object `seq`; kNotFound if none is kept.
  Result<Bytes> Sent(std::uint64_t seq);
  /// (seq, size) of every kept object up to `through`, in seq order.
  Result<std::vector<std::pair<std::uint64_t, std::uint64_t>>> SentSizes(
      std::uint64_t through);

  /// Visits every object of this device, queued or sent, in seq order;
  /// stops at (and returns) the first error `visit` returns.
  Status ForEachOwn(const std::function<Status(const OutboxItem&)>& visit);
  /// This device's newest object, queued or sent; nullopt if none.
  Result<std::optional<OutboxItem>> Newest();

 private:
  sqlite3* conn_;
};

}  // namespace coven::engine

#endif  // COVEN_ENGINE_OUTBOX_H_
