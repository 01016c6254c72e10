// The hub's store: what coven-hub keeps, behind one interface with two
// implementations (embedded SQLite, the default; PostgreSQL 15 for
// production and several hub processes). docs/format/hub-store.md gives
// the schema both share.
//
// Every write is acknowledged only after its transaction committed
// durably (SQLite: WAL, synchronous=FULL; PostgreSQL:
// synchronous_commit=on). A write that returns an error stored nothing.
//
// Thread safety: every member may be called from any thread, concurrently.
#ifndef COVEN_HUB_STORE_STORE_H_
#define COVEN_HUB_STORE_STORE_H_

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "coven/bytes.h"
#include "coven/status.h"

namespace coven::hub::store {

/// A space: one library on the hub.
struct Space {
  std::string name;
  /// The device key that claimed the space before it had a member log.
  std::array<std::uint8_t, 32> founder{};
  /// "coven-library.json", when written.
  std::optional<Bytes> marker;
};

/// One log object to store. The bytes are the caller's (the hub pushes
/// straight from the received request, without a copy) and must stay
/// valid until the call that takes them returns.
struct LogObject {
  LogObject(std::uint64_t seq, ByteView data) : seq(seq), data(data) {}
  /// Refused: the view would outlive the temporary it points into.
  LogObject(std::uint64_t seq, Bytes&& data) = delete;

  std::uint64_t seq = 0;
  ByteView data;
};

/// What PushLog is asked to do: append `objects` (consecutive seqs) to
/// `author`'s log in `space` and then, when set, replace the author's head.
struct LogPush {
  std::string space;
  std::uint64_t author = 0;
  std::vector<LogObject> objects;
  std::optional<Bytes> head;
};

/// What PushLog did.
struct LogPushResult {
  std::uint32_t stored = 0;       ///< Newly stored objects.
  std::uint32_t already_had = 0;  ///< Held already, byte for byte.
  std::uint64_t log_seq = 0;      ///< The author's head seq afterwards.
  bool head_replaced = false;
};

/// One author's head row.
struct HeadRow {
  std::uint64_t author = 0;
  std::uint64_t log_seq = 0;  ///< Every seq 1..log_seq is stored.
  Bytes head;                 ///< The sealed head; empty when none.
};

/// One stored log object as read.
struct StoredObject {
  std::uint64_t seq = 0;
  std::uint64_t size = 0;
  Bytes data;  ///< Empty when the object was over the read's limit.
  bool too_large = false;
};

/// A piece of one log object (GetLogPiece).
struct LogPiece {
  std::uint64_t size = 0;  ///< The whole object's size.
  Bytes data;              ///< Its bytes from the offset asked for.
};

/// What PullLog reads.
struct LogRange {
  std::string space;
  std::uint64_t author = 0;
  std::uint64_t after_seq = 0;
  std::uint64_t through_seq = 0;  ///< 0: to the head.
  std::uint32_t max_objects = 256;
  std::uint64_t max_bytes = 4u << 20;  ///< Stop before exceeding (>= 1 obj).
  std::uint64_t max_object_bytes = 64ull << 20;  ///< Larger: too_large.
};

/// What ReadLogPage read.
struct LogPage {
  std::vector<StoredObject> objects;
  /// The author's head seq when the page was read (0: no log yet).
  std::uint64_t head_seq = 0;
  /// True when nothing more is due after this page (its last object is at
  /// the head or at through_seq, or nothing was due).
  bool at_end(const LogRange& range) const {
    std::uint64_t upper = head_seq;
    if (range.through_seq != 0 && range.through_seq < upper) {
      upper = range.through_seq;
    }
    const std::uint64_t last =
        objects.empty() ? range.after_seq : objects.back().seq;
    return last >= upper;
  }
};

/// A path and its size (ListPaths).
struct PathInfo {
  std::string path;
  std::uint64_t size = 0;
};

/// A challenge handed out by GetChallenge.
struct Challenge {
  std::array<std::uint8_t, 32> bytes{};
  std::string space;
  std::array<std::uint8_t, 32> device{};
  std::int64_t expires_ms = 0;
};

/// How many challenges may wait to be used. GetChallenge needs no key, so
/// these bound what anyone can make the store hold.
struct ChallengeBounds {
  std::int64_t now_ms = 0;  ///< Challenges expired by then are dropped.
  std::size_t per_space = 256;
  std::size_t total = 65'536;
};

/// A change another hub process (or this one) made: a hint, never the truth.
struct Change {
  std::string space;
  std::uint64_t author = 0;  ///< 0: not a log change.
  std::uint64_t log_seq = 0;
  bool members = false;  ///< The member log grew.
};

class Store {
 public:
  virtual ~Store() = default;

  /// The space, or kNotFound.
  virtual Result<Space> GetSpace(std::string_view name) = 0;
  /// Claims `name` for `founder`. kAlreadyExists when it exists (whoever
  /// claimed it).
  virtual Status CreateSpace(std::string_view name,
                             const std::array<std::uint8_t, 32>& founder) = 0;
  /// Whether the space holds nothing yet: no marker, member-log entry, log
  /// object, head or other object. kNotFound when it does not exist.
  virtual Result<bool> SpaceIsEmpty(std::string_view name) = 0;
  /// Hands a claim nobody used (a space that holds nothing: a misspelt
  /// name, an init cut short before its marker) from `previous` to
  /// `founder`. kFailedPrecondition when the space holds something or is
  /// no longer `previous`'s; kNotFound when it does not exist.
  virtual Status ReclaimSpace(std::string_view name,
                              const std::array<std::uint8_t, 32>& previous,
                              const std::array<std::uint8_t, 32>& founder) = 0;
  /// Writes the space's marker once, for the device key `writer`: while
  /// the space has no member log, only its founder may, and it may also
  /// replace the marker (an init cut short before its genesis, tried
  /// again). kAlreadyExists when it holds other bytes and `writer` may not
  /// replace them (the same bytes: OK); kPermissionDenied when `writer` is
  /// not the founder of a space without a member log or marker (another
  /// device reclaimed it); kNotFound when the space does not exist.
  virtual Status PutMarker(std::string_view space, ByteView marker,
                           const std::array<std::uint8_t, 32>& writer) = 0;

  /// Appends to an author's log, all or nothing, in one transaction that
  /// locks the author's head row. Objects at or below the head must match
  /// the stored bytes (counted in already_had); a different byte string at
  /// a stored seq is a fork: kAlreadyExists, nothing stored. The first new
  /// seq must be head + 1 and the rest consecutive: otherwise
  /// kFailedPrecondition naming the head. A push of only a head replaces it
  /// (the author must have a log). kNotFound when the space does not exist.
  /// Concurrent calls may commit together (one transaction and one fsync
  /// for the pushes waiting at the same moment, PushGroups): each is still
  /// all or nothing on its own, and answered after the shared commit.
  virtual Result<LogPushResult> PushLog(const LogPush& push) = 0;
  /// PushLog without waiting: `done` gets the result once, on the thread
  /// that commits the group holding the push (possibly this one, before
  /// the call returns). `push` and the bytes it views must stay valid until
  /// then. The default calls PushLog.
  virtual void SubmitPushLog(const LogPush& push,
                             std::function<void(Result<LogPushResult>)> done) {
    done(PushLog(push));
  }

  /// Several pushes in one transaction: each all or nothing on its own, as
  /// PushLog would do it alone (a savepoint each), committed together.
  /// One result per push, in order; a push that fails leaves the others
  /// alone, except a failure of the transaction itself (BEGIN, COMMIT, a
  /// broken connection, a full disk), which every push then reports and
  /// after which none is stored. Pushes of one author apply in the order
  /// given.
  virtual std::vector<Result<LogPushResult>> PushLogs(
      std::span<const LogPush* const> pushes) = 0;

  /// Stores again what a retried push shows to be damaged in the store:
  /// each of the first `held` objects of `push` (those PushLog found held
  /// already) whose stored bytes no longer hash to the hash recorded when
  /// it was stored (a disk, or someone with the store, changed them) while
  /// the pushed bytes do (DamagedCopies). Returns how many were stored
  /// again. Intact copies, and copies whose recorded hash the push does not
  /// match (a fork, which PushLog refuses), are left alone. Reads those
  /// copies without the write lock; writes only when one is damaged.
  virtual Result<std::uint32_t> RepairLogObjects(const LogPush& push,
                                                 std::uint32_t held) = 0;

  /// Reads log objects after range.after_seq in seq order: consecutive,
  /// never past the head or through_seq, at most max_objects, stopping
  /// before max_bytes (but at least one object when one is due); and the
  /// author's head seq as it was read, so the caller knows whether the
  /// page reached it.
  virtual Result<LogPage> ReadLogPage(const LogRange& range) = 0;
  /// ReadLogPage's objects alone.
  Result<std::vector<StoredObject>> PullLog(const LogRange& range) {
    COVEN_ASSIGN_OR_RETURN(LogPage page, ReadLogPage(range));
    return std::move(page.objects);
  }

  /// Bytes [offset, offset + length) of log object `seq` of `author` (fewer
  /// at its end), read without reading the whole object where the store
  /// can: a large object is served in pieces, and each piece costs its own
  /// size. kNotFound when the object is not stored; kOutOfRange when
  /// `offset` is past its end.
  virtual Result<LogPiece> GetLogPiece(std::string_view space,
                                       std::uint64_t author, std::uint64_t seq,
                                       std::uint64_t offset,
                                       std::uint64_t length) = 0;

  /// Every author's head row in `space`, by author.
  virtual Result<std::vector<HeadRow>> ListHeads(std::string_view space) = 0;

  /// The member log's entries after slot `after_slot` (slot after_slot+1
  /// ..), in order: empty when the log has no more (or for a new space).
  /// kDataLoss when a slot is missing between them.
  virtual Result<std::vector<Bytes>> MemberLogAfter(
      std::string_view space, std::uint64_t after_slot) = 0;
  /// The whole member log: entries slot 1.., in order.
  Result<std::vector<Bytes>> MemberLog(std::string_view space) {
    return MemberLogAfter(space, 0);
  }
  /// Stores entry `slot` (which must be the log's length + 1; the caller
  /// verified it). kAlreadyExists when the slot is taken by other bytes
  /// (the same bytes: OK); kFailedPrecondition for a gap.
  /// `writer`: the device key writing; while the space has no member log
  /// only its founder may (kPermissionDenied: another device reclaimed it).
  virtual Status AppendMember(std::string_view space, std::uint64_t slot,
                              ByteView entry,
                              const std::array<std::uint8_t, 32>& writer) = 0;

  /// Other objects by path ("keys/..."): create-once. kAlreadyExists when
  /// the path holds other bytes (the same bytes: OK); kPermissionDenied
  /// for a `writer` other than the founder of a space without a member log.
  virtual Status PutObject(std::string_view space, std::string_view path,
                           ByteView data,
                           const std::array<std::uint8_t, 32>& writer) = 0;
  /// Any object by path (marker, members/, keys/, heads/, log/). kNotFound;
  /// kResourceExhausted when larger than max_bytes (0: no limit).
  virtual Result<Bytes> GetObject(std::string_view space, std::string_view path,
                                  std::uint64_t max_bytes) = 0;
  /// Paths under `prefix` after `start_after`, in byte order, at most
  /// `limit`; every kind of object, as a home would list them.
  virtual Result<std::vector<PathInfo>> ListPaths(std::string_view space,
                                                  std::string_view prefix,
                                                  std::string_view start_after,
                                                  std::uint32_t limit) = 0;

  /// Drops the challenges expired at bounds.now_ms, then stores
  /// `challenge`. kResourceExhausted (nothing stored) when its space already
  /// has bounds.per_space live challenges or the store bounds.total;
  /// kAlreadyExists when the same bytes were handed out already.
  virtual Status PutChallenge(const Challenge& challenge,
                              const ChallengeBounds& bounds) = 0;
  /// Removes and returns a challenge if it exists and has not expired at
  /// `now_ms` (one statement: a challenge is used once, on any process).
  /// kNotFound otherwise.
  virtual Result<Challenge> TakeChallenge(
      const std::array<std::uint8_t, 32>& bytes, std::int64_t now_ms) = 0;

  /// The key that MACs tokens, shared by every hub process on this store:
  /// made at random on first use. `make_key` supplies the random bytes.
  virtual Result<std::array<std::uint8_t, 32>> TokenKey(
      const std::function<std::array<std::uint8_t, 32>()>& make_key) = 0;

  /// Tells every process watching this store (Watch) about a change. On
  /// PostgreSQL a NOTIFY sent outside any push transaction.
  virtual void Announce(const Change& change) = 0;
  /// Calls `on_change` (from a store thread) for every change announced by
  /// any process on this store, and with an empty Change{} whenever
  /// notifications may have been lost (a reconnect): the caller then
  /// re-reads the heads. Replaces an earlier watcher; null stops watching.
  virtual void Watch(std::function<void(const Change&)> on_change) = 0;
  /// Returns once every change Announce was given before the call has gone
  /// out: handed to this process's watcher (SQLite) or sent as a NOTIFY
  /// (PostgreSQL; watchers hear it soon after). For tests that need a
  /// change delivered before they go on.
  virtual void FlushAnnounced() = 0;

  /// Calls `report` (from any thread), once, with what the operator needs
  /// to know when the store finds its own storage damaged (a corrupt or
  /// unreadable SQLite file); calls then fail with kUnavailable. Replaces
  /// an earlier `report`; null stops reporting. The default reports
  /// nothing.
  virtual void OnDamaged(std::function<void(const std::string&)> report) {
    (void)report;
  }

  /// A short description for logs ("sqlite:/path", "postgresql://host/db").
  virtual std::string Describe() const = 0;
};

using StoreRef = std::shared_ptr<Store>;

/// Opens (creating when needed) the SQLite store in `data_dir`/hub.db: WAL,
/// synchronous=FULL, migrations applied.
Result<StoreRef> OpenSqliteStore(const std::string& data_dir);

/// How long one statement of the PostgreSQL store's pool may wait for a
/// lock, and run in all, before PostgreSQL cancels it: the call then fails
/// with kUnavailable (its transaction rolled back; retry). Zero: no limit.
struct PostgresTimeouts {
  std::chrono::milliseconds lock{10'000};
  std::chrono::milliseconds statement{30'000};
};

/// Connects to PostgreSQL (`url`: postgresql://...) with a pool of
/// `connections`, applies the versioned migrations, and LISTENs on a
/// connection of its own. The pool's statements are bounded by `timeouts`
/// (the defaults when not given).
Result<StoreRef> OpenPostgresStore(const std::string& url,
                                   std::size_t connections = 4);
Result<StoreRef> OpenPostgresStore(const std::string& url,
                                   std::size_t connections,
                                   const PostgresTimeouts& timeouts);

}  // namespace coven::hub::store

#endif  // COVEN_HUB_STORE_STORE_H_
