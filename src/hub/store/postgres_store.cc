#include "hub/store/postgres_store.h"

#include <algorithm>
#include <utility>

#include "crypto/crypto.h"
#include "hub/store/paths.h"
#include "hub/store/postgres_schema.h"

namespace coven::hub::store {
namespace {

constexpr PgStatement kSpaceExists{"space_exists",
                                   "SELECT 1 FROM spaces WHERE name=$1"};
constexpr PgStatement kLockSpace{
    "lock_space", "SELECT 1 FROM spaces WHERE name=$1 FOR UPDATE"};
constexpr PgStatement kMemberLog{
    "member_log",
    "SELECT slot, data FROM members WHERE space=$1 AND slot>$2::int8 "
    "ORDER BY slot"};
constexpr PgStatement kMemberCount{
    "member_count",
    "SELECT COALESCE(MAX(slot), 0)::int8 FROM members WHERE space=$1"};
constexpr PgStatement kGetMember{
    "get_member", "SELECT data FROM members WHERE space=$1 AND slot=$2::int8"};
constexpr PgStatement kPutMember{
    "put_member",
    "INSERT INTO members(space, slot, data) VALUES($1, $2::int8, $3::bytea)"};
constexpr PgStatement kPutObject{
    "put_object",
    "INSERT INTO objects(space, path, data) VALUES($1, $2, $3::bytea) "
    "ON CONFLICT DO NOTHING"};
constexpr PgStatement kGetObject{
    "get_object", "SELECT data FROM objects WHERE space=$1 AND path=$2"};
constexpr PgStatement kNotify{"notify", "SELECT pg_notify($1, $2)"};
// Several payloads (newline-separated) in one round trip; PostgreSQL
// delivers them when the statement's transaction ends.
constexpr PgStatement kNotifyMany{
    "notify_many",
    "SELECT pg_notify($1, p) FROM unnest(string_to_array($2, E'\\n')) AS p"};

bool Same(const Bytes& stored, ByteView bytes) {
  return stored.size() == bytes.size() &&
         std::equal(stored.begin(), stored.end(), bytes.begin());
}

// Hides the password of a postgresql:// URL or key=value string.
std::string Redact(const std::string& url) {
  PQconninfoOption* options = PQconninfoParse(url.c_str(), nullptr);
  if (options == nullptr) return "postgresql://(unparsable)";
  std::string host = "localhost", port, dbname;
  for (PQconninfoOption* o = options; o->keyword; ++o) {
    if (!o->val) continue;
    const std::string_view key = o->keyword;
    if (key == "host" || key == "hostaddr") host = o->val;
    if (key == "port") port = o->val;
    if (key == "dbname") dbname = o->val;
  }
  PQconninfoFree(options);
  return "postgresql://" + host + (port.empty() ? "" : ":" + port) + "/" +
         dbname;
}

}  // namespace

Result<StoreRef> OpenPostgresStore(const std::string& url,
                                   std::size_t connections) {
  return PostgresStore::Open(url, connections, PostgresTimeouts{});
}

Result<StoreRef> OpenPostgresStore(const std::string& url,
                                   std::size_t connections,
                                   const PostgresTimeouts& timeouts) {
  return PostgresStore::Open(url, connections, timeouts);
}

PostgresStore::PostgresStore(const std::string& url, std::size_t connections,
                             const PostgresTimeouts& timeouts)
    : pool_(url, connections, timeouts),
      description_(Redact(url)),
      // Pushes commit in at most two of the pool's connections at once (one
      // when the pool has fewer than four), so reads always find one, and
      // in a second only while a full group waits (PushGroups). A group
      // costs seven statements whatever its size, so fewer, larger groups
      // do more: on the load bench, 8 groups at once (16 connections)
      // stored 1,600 objects/s, 4 groups ~3,700/s, 1 or 2 groups
      // 3,200-4,400/s. With 10 subscribers at 5,000/s offered, a second
      // group whenever a leader was free made push p99 309-9,021 ms, and
      // one only for a full group 16-1,220 ms (three alternating pairs,
      // docs/benchmarks.md).
      // A group's bytes are copied once into the array parameters and
      // once into libpq's output buffer: 8 MiB a group bounds that.
      groups_(PushGroupLimits{.leaders = connections >= 4 ? 2u : 1u,
                              .max_bytes = 8ull << 20},
              [this](std::span<const LogPush* const> pushes) {
                return PushLogs(pushes);
              }),
      announcer_(std::make_unique<ChangeAnnouncer>(
          [this](const std::vector<Change>& batch) { return Notify(batch); })) {
}

PostgresStore::~PostgresStore() {
  announcer_.reset();
  listener_.reset();
}

Result<StoreRef> PostgresStore::Open(const std::string& url,
                                     std::size_t connections,
                                     const PostgresTimeouts& timeouts) {
  COVEN_RETURN_IF_ERROR(crypto::EnsureSodium());
  std::shared_ptr<PostgresStore> store(
      new PostgresStore(url, connections, timeouts));
  {
    COVEN_ASSIGN_OR_RETURN(std::unique_ptr<PgConnection> conn,
                           PgConnection::Connect(url));
    COVEN_RETURN_IF_ERROR(MigratePostgres(*conn));
  }
  COVEN_RETURN_IF_ERROR(store->pool_.ConnectAll());
  // LISTEN before anything is read, so no later change goes unheard.
  COVEN_ASSIGN_OR_RETURN(store->listener_,
                         PostgresListener::Start(url, &store->watcher_));
  return StoreRef(std::move(store));
}

Status PostgresStore::CheckSpace(PgConnection& conn, std::string_view space) {
  COVEN_ASSIGN_OR_RETURN(PgResult found,
                         conn.Run(kSpaceExists, PgParams().Text(space)));
  if (found.rows() == 0) {
    return NotFoundError("no space \"" + std::string(space) + "\"");
  }
  return Status::Ok();
}

Result<std::vector<Bytes>> PostgresStore::MemberLogAfter(
    std::string_view space, std::uint64_t after_slot) {
  using Log = std::vector<Bytes>;
  const auto after =
      static_cast<std::int64_t>(std::min(after_slot, kMaxSeq - 1));
  return pool_.With<Log>(true, [&](PgConnection& conn) -> Result<Log> {
    COVEN_RETURN_IF_ERROR(CheckSpace(conn, space));
    COVEN_ASSIGN_OR_RETURN(
        PgResult rows, conn.Run(kMemberLog, PgParams().Text(space).Int(after)));
    Log entries;
    for (int i = 0; i < rows.rows(); ++i) {
      if (rows.Int(i, 0) != after + i + 1) {
        return DataLossError("the member log of \"" + std::string(space) +
                             "\" has a gap");
      }
      entries.push_back(rows.Blob(i, 1));
    }
    return entries;
  });
}

Status PostgresStore::AppendMember(std::string_view space, std::uint64_t slot,
                                   ByteView entry,
                                   const std::array<std::uint8_t, 32>& writer) {
  if (slot == 0 || slot >= kMaxSeq) {
    return InvalidArgumentError("member slot out of range");
  }
  const auto column = static_cast<std::int64_t>(slot);
  auto append = [&](PgConnection& conn) -> Result<bool> {
    // The space row's lock orders appends to one member log.
    COVEN_ASSIGN_OR_RETURN(PgResult locked,
                           conn.Run(kLockSpace, PgParams().Text(space)));
    if (locked.rows() == 0) {
      return NotFoundError("no space \"" + std::string(space) + "\"");
    }
    COVEN_RETURN_IF_ERROR(CheckFounderWrite(conn, space, writer));
    COVEN_ASSIGN_OR_RETURN(PgResult count,
                           conn.Run(kMemberCount, PgParams().Text(space)));
    const auto length = static_cast<std::uint64_t>(count.Int(0, 0));
    if (slot <= length) {
      COVEN_ASSIGN_OR_RETURN(
          PgResult stored,
          conn.Run(kGetMember, PgParams().Text(space).Int(column)));
      if (stored.rows() == 1 && Same(stored.Blob(0, 0), entry)) return true;
      return AlreadyExistsError("member slot " + std::to_string(slot) +
                                " of \"" + std::string(space) +
                                "\" holds another entry");
    }
    if (slot != length + 1) {
      return FailedPreconditionError(
          "member log gap: slot " + std::to_string(slot) +
          " but the log of \"" + std::string(space) + "\" has " +
          std::to_string(length) + " entries");
    }
    COVEN_RETURN_IF_ERROR(
        conn.Run(kPutMember, PgParams().Text(space).Int(column).Blob(entry))
            .status());
    return true;
  };
  return InPooledTransaction(pool_, true, append);
}

Status PostgresStore::PutObject(std::string_view space, std::string_view path,
                                ByteView data,
                                const std::array<std::uint8_t, 32>& writer) {
  COVEN_RETURN_IF_ERROR(CheckObjectPath(path));
  auto put_object = [&](PgConnection& conn) -> Result<bool> {
    COVEN_RETURN_IF_ERROR(CheckSpace(conn, space));
    COVEN_RETURN_IF_ERROR(CheckFounderWrite(conn, space, writer));
    COVEN_ASSIGN_OR_RETURN(
        PgResult put,
        conn.Run(kPutObject, PgParams().Text(space).Text(path).Blob(data)));
    if (put.Affected() == 1) return true;
    COVEN_ASSIGN_OR_RETURN(
        PgResult stored,
        conn.Run(kGetObject, PgParams().Text(space).Text(path)));
    if (stored.rows() == 1 && Same(stored.Blob(0, 0), data)) return true;
    return AlreadyExistsError("\"" + std::string(path) +
                              "\" already holds other bytes");
  };
  return InPooledTransaction(pool_, true, put_object);
}

void PostgresStore::Announce(const Change& change) { announcer_->Add(change); }

void PostgresStore::FlushAnnounced() { announcer_->Flush(); }

bool PostgresStore::Notify(const std::vector<Change>& batch) {
  // Its own short statement on a pool connection, never inside a push
  // transaction: a NOTIFY serializes commits (research/hub.md section 2).
  std::string joined;
  std::vector<std::string> alone;  // (A payload holding a newline.)
  for (const Change& change : batch) {
    std::string payload = ChangePayload(change);
    if (payload.find('\n') != std::string::npos) {
      alone.push_back(std::move(payload));
      continue;
    }
    if (!joined.empty()) joined += '\n';
    joined += payload;
  }
  return pool_
      .With<bool>(
          false,
          [&](PgConnection& conn) -> Result<bool> {
            if (!joined.empty()) {
              COVEN_RETURN_IF_ERROR(
                  conn.Run(kNotifyMany,
                           PgParams().Text(kNotifyChannel).Text(joined))
                      .status());
            }
            for (const std::string& payload : alone) {
              COVEN_RETURN_IF_ERROR(
                  conn.Run(kNotify,
                           PgParams().Text(kNotifyChannel).Text(payload))
                      .status());
            }
            return true;
          })
      .ok();  // Not sent: the announcer sends it again.
}

void PostgresStore::Watch(std::function<void(const Change&)> on_change) {
  watcher_.Set(std::move(on_change));
}

std::string PostgresStore::Describe() const { return description_; }

}  // namespace coven::hub::store
