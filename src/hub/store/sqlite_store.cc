#include "hub/store/sqlite_store.h"

#include <algorithm>
#include <filesystem>
#include <memory>
#include <system_error>
#include <utility>

#include "crypto/crypto.h"
#include "db/sql.h"
#include "hub/store/paths.h"
#include "hub/store/sqlite_damage_guard.h"
#include "hub/store/sqlite_schema.h"

namespace coven::hub::store {
namespace {

constexpr int kReaders = 3;
constexpr int kBusyTimeoutMs = 10'000;

Result<sqlite3*> OpenConnection(const std::string& path, bool writer) {
  sqlite3* db = nullptr;
  const int flags = (writer ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
                            : SQLITE_OPEN_READONLY) |
                    SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    Status status = db::SqliteError(db, rc, "opening the hub store " + path);
    sqlite3_close(db);
    return status;
  }
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  return db;
}

Status ExpectNotFound(std::string_view what) {
  return NotFoundError(std::string(what));
}

}  // namespace

void BindBytes(sqlite3_stmt* stmt, int index, ByteView bytes) {
  if (bytes.empty()) {
    sqlite3_bind_zeroblob(stmt, index, 0);
  } else {
    sqlite3_bind_blob64(stmt, index, bytes.data(), bytes.size(),
                        SQLITE_TRANSIENT);
  }
}

Result<StoreRef> OpenSqliteStore(const std::string& data_dir) {
  COVEN_ASSIGN_OR_RETURN(StoreRef store, SqliteStore::Open(data_dir));
  return StoreRef(std::make_shared<SqliteDamageGuard>(std::move(store)));
}

Result<StoreRef> SqliteStore::Open(const std::string& data_dir) {
  COVEN_RETURN_IF_ERROR(crypto::EnsureSodium());
  std::error_code error;
  std::filesystem::create_directories(data_dir, error);
  if (error) {
    return UnavailableError("cannot create the hub's data directory " +
                            data_dir + ": " + error.message());
  }
  std::shared_ptr<SqliteStore> store(new SqliteStore(data_dir + "/hub.db"));
  COVEN_ASSIGN_OR_RETURN(sqlite3 * writer, OpenConnection(store->path_, true));
  store->writer_ = std::make_unique<Connection>(writer);
  // WAL lets readers run beside the writer; FULL makes every commit
  // durable before it is acknowledged (research/hub.md section 5).
  COVEN_RETURN_IF_ERROR(db::Exec(writer,
                                 "PRAGMA journal_mode=WAL; "
                                 "PRAGMA synchronous=FULL;"));
  {
    COVEN_ASSIGN_OR_RETURN(db::Stmt mode,
                           db::Stmt::Prepare(writer, "PRAGMA journal_mode"));
    COVEN_ASSIGN_OR_RETURN(bool row, mode.Step());
    if (!row || mode.ColumnText(0) != "wal") {
      return UnavailableError("the hub store " + store->path_ +
                              " cannot use WAL mode");
    }
  }
  COVEN_RETURN_IF_ERROR(MigrateSqlite(writer));
  for (int i = 0; i < kReaders; ++i) {
    COVEN_ASSIGN_OR_RETURN(sqlite3 * reader,
                           OpenConnection(store->path_, false));
    store->all_readers_.push_back(std::make_unique<Connection>(reader));
    store->readers_.push_back(store->all_readers_.back().get());
  }
  return StoreRef(std::move(store));
}

// Each Connection finalizes its statements, then closes.
SqliteStore::~SqliteStore() = default;

SqliteStore::Reader::~Reader() {
  {
    std::lock_guard lock(store_->read_mutex_);
    store_->readers_.push_back(conn_);
  }
  store_->read_free_.notify_one();
}

SqliteStore::Reader SqliteStore::Read() {
  std::unique_lock lock(read_mutex_);
  read_free_.wait(lock, [&] { return !readers_.empty(); });
  Connection* conn = readers_.back();
  readers_.pop_back();
  return Reader(this, conn);
}

Status SqliteStore::CheckSpace(Connection& conn, std::string_view space) {
  COVEN_ASSIGN_OR_RETURN(db::CachedStmt stmt,
                         conn.stmts.Get("SELECT 1 FROM spaces WHERE name=?"));
  stmt->Bind(1, space);
  COVEN_ASSIGN_OR_RETURN(bool row, stmt->Step());
  if (!row) return ExpectNotFound("no space \"" + std::string(space) + "\"");
  return Status::Ok();
}

Result<std::vector<Bytes>> SqliteStore::MemberLogAfter(
    std::string_view space, std::uint64_t after_slot) {
  Reader reader = Read();
  COVEN_RETURN_IF_ERROR(CheckSpace(reader.conn(), space));
  COVEN_ASSIGN_OR_RETURN(
      db::CachedStmt stmt,
      reader.conn().stmts.Get("SELECT slot, data FROM members WHERE space=? "
                              "AND slot>? ORDER BY slot"));
  stmt->Bind(1, space);
  stmt->Bind(2, static_cast<std::int64_t>(std::min(after_slot, kMaxSeq - 1)));
  std::vector<Bytes> entries;
  while (true) {
    COVEN_ASSIGN_OR_RETURN(bool row, stmt->Step());
    if (!row) break;
    if (static_cast<std::uint64_t>(stmt->ColumnInt(0)) !=
        after_slot + entries.size() + 1) {
      return DataLossError("the member log of \"" + std::string(space) +
                           "\" has a gap");
    }
    entries.push_back(stmt->ColumnBlob(1));
  }
  return entries;
}

Status SqliteStore::AppendMember(std::string_view space, std::uint64_t slot,
                                 ByteView entry,
                                 const std::array<std::uint8_t, 32>& writer) {
  if (slot == 0 || slot >= kMaxSeq) {
    return InvalidArgumentError("member slot out of range");
  }
  std::lock_guard lock(write_mutex_);
  COVEN_ASSIGN_OR_RETURN(db::Transaction tx,
                         db::Transaction::Begin(writer_->db()));
  COVEN_RETURN_IF_ERROR(CheckSpace(*writer_, space));
  COVEN_RETURN_IF_ERROR(CheckFounderWrite(*writer_, space, writer));
  COVEN_ASSIGN_OR_RETURN(
      db::CachedStmt count,
      writer_->stmts.Get("SELECT COALESCE(MAX(slot), 0) FROM members "
                         "WHERE space=?"));
  count->Bind(1, space);
  COVEN_ASSIGN_OR_RETURN(bool row, count->Step());
  const auto length = static_cast<std::uint64_t>(row ? count->ColumnInt(0) : 0);
  count->Reset();
  if (slot <= length) {
    COVEN_ASSIGN_OR_RETURN(
        db::CachedStmt get,
        writer_->stmts.Get(
            "SELECT data FROM members WHERE space=? AND slot=?"));
    get->Bind(1, space).Bind(2, static_cast<std::int64_t>(slot));
    COVEN_ASSIGN_OR_RETURN(bool found, get->Step());
    const Bytes stored = found ? get->ColumnBlob(0) : Bytes{};
    if (found && stored.size() == entry.size() &&
        std::equal(stored.begin(), stored.end(), entry.begin())) {
      return Status::Ok();
    }
    return AlreadyExistsError("member slot " + std::to_string(slot) + " of \"" +
                              std::string(space) + "\" holds another entry");
  }
  if (slot != length + 1) {
    return FailedPreconditionError(
        "member log gap: slot " + std::to_string(slot) + " but the log of \"" +
        std::string(space) + "\" has " + std::to_string(length) + " entries");
  }
  COVEN_ASSIGN_OR_RETURN(
      db::CachedStmt insert,
      writer_->stmts.Get(
          "INSERT INTO members(space, slot, data) VALUES(?,?,?)"));
  insert->Bind(1, space).Bind(2, static_cast<std::int64_t>(slot));
  BindBytes(insert->get(), 3, entry);
  COVEN_RETURN_IF_ERROR(insert->Run());
  return tx.Commit();
}

Status SqliteStore::PutObject(std::string_view space, std::string_view path,
                              ByteView data,
                              const std::array<std::uint8_t, 32>& writer) {
  COVEN_RETURN_IF_ERROR(CheckObjectPath(path));
  std::lock_guard lock(write_mutex_);
  COVEN_ASSIGN_OR_RETURN(db::Transaction tx,
                         db::Transaction::Begin(writer_->db()));
  COVEN_RETURN_IF_ERROR(CheckSpace(*writer_, space));
  COVEN_RETURN_IF_ERROR(CheckFounderWrite(*writer_, space, writer));
  COVEN_ASSIGN_OR_RETURN(
      db::CachedStmt get,
      writer_->stmts.Get("SELECT data FROM objects WHERE space=? AND path=?"));
  get->Bind(1, space).Bind(2, path);
  COVEN_ASSIGN_OR_RETURN(bool found, get->Step());
  if (found) {
    const Bytes stored = get->ColumnBlob(0);
    if (stored.size() == data.size() &&
        std::equal(stored.begin(), stored.end(), data.begin())) {
      return Status::Ok();
    }
    return AlreadyExistsError("\"" + std::string(path) +
                              "\" already holds other bytes");
  }
  get->Reset();
  COVEN_ASSIGN_OR_RETURN(
      db::CachedStmt insert,
      writer_->stmts.Get(
          "INSERT INTO objects(space, path, data) VALUES(?,?,?)"));
  insert->Bind(1, space).Bind(2, path);
  BindBytes(insert->get(), 3, data);
  COVEN_RETURN_IF_ERROR(insert->Run());
  return tx.Commit();
}

void SqliteStore::Announce(const Change& change) { announcer_.Add(change); }

void SqliteStore::FlushAnnounced() { announcer_.Flush(); }

void SqliteStore::Watch(std::function<void(const Change&)> on_change) {
  watcher_.Set(std::move(on_change));
}

std::string SqliteStore::Describe() const { return "sqlite:" + path_; }

}  // namespace coven::hub::store
