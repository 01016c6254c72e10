// End-to-end benchmark: the figures of docs/benchmarks.md in ONE run.
//
//   e2e_bench [--rows N] [--singles M] [--runs R] [--workdir DIR] [--keep]
//             [--synchronous NORMAL|FULL] [--cache-mb N] [--sqlite3 PATH]
//             [--sqlite-sync PATH/TO/cloudsync] [--json FILE]
//             [--markdown FILE]
//
// Every system gets the same generated rows: N rows of
//   items(id TEXT PRIMARY KEY, title TEXT NOT NULL, body TEXT, qty INTEGER,
//         price REAL, _updated_at TEXT NOT NULL)
// with ~133 bytes of deterministic, moderately compressible content per row
// (rows.csv in the work directory; coven writes `_updated_at = coven_hlc()`,
// a 38-character stamp of the same size as the generated one).
//
// Measured in each of R repetitions (the median is reported, and every ratio
// is the median of per-repetition ratios, so both sides of a ratio always
// come from the same repetition):
//   C++, same process, same connection settings (WAL, synchronous as given):
//     plain SQLite vs coven (SyncManager attached, host writes coven_hlc()):
//       an N-row bulk transaction; M single-row transactions;
//     coven flush (session -> sealed object in the outbox), push (outbox ->
//     folder home), pull+apply on a second device;
//     bytes stored in the home; database sizes after VACUUM.
//   sqlite3 shell (if --sqlite-sync is given), same settings:
//     plain SQLite vs sqlite-sync: bulk transaction, M single-row
//     transactions, cloudsync_payload_save (size, time) and
//     cloudsync_payload_load into a second database (time).
#include <sqlite3.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "coven/bytes.h"
#include "coven/config.h"
#include "coven/db.h"
#include "coven/encryption.h"
#include "coven/entropy.h"
#include "coven/folder_home.h"
#include "coven/keys.h"
#include "coven/sync_manager.h"

namespace fs = std::filesystem;
using coven::sync::sync_manager::SyncManager;

namespace {

// ---------------------------------------------------------------------------
// Options and small helpers.

struct Options {
  std::size_t rows = 100'000;
  std::size_t singles = 10'000;
  int runs = 5;
  std::string workdir;
  bool keep = false;
  std::string synchronous = "NORMAL";
  int cache_mb = 0;  // 0: SQLite's default page cache (2 MB)
  std::string sqlite3_shell = "sqlite3";
  std::string sqlite_sync;  // path to the cloudsync extension; empty = skip
  std::string json_out;
  std::string markdown_out;
};

[[noreturn]] void Die(const std::string& message) {
  std::cerr << "e2e_bench: " << message << "\n";
  std::exit(1);
}

void Check(bool ok, const std::string& what) {
  if (!ok) Die(what);
}

void CheckStatus(const coven::Status& status, const std::string& what) {
  if (!status.ok()) Die(what + ": " + status.ToString());
}

using Clock = std::chrono::steady_clock;

double MsSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start)
      .count();
}

double ThreadCpuMs() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

double Median(std::vector<double> v) {
  if (v.empty()) return std::nan("");
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void Exec(sqlite3* db, const std::string& sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string message = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    Die("SQL failed (" + message + "): " + sql.substr(0, 200));
  }
}

std::int64_t QueryInt(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* stmt = nullptr;
  Check(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK,
        "prepare " + sql + ": " + sqlite3_errmsg(db));
  std::int64_t value = 0;
  if (sqlite3_step(stmt) == SQLITE_ROW) value = sqlite3_column_int64(stmt, 0);
  sqlite3_finalize(stmt);
  return value;
}

std::string QueryText(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* stmt = nullptr;
  Check(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK,
        "prepare " + sql + ": " + sqlite3_errmsg(db));
  std::string value;
  if (sqlite3_step(stmt) == SQLITE_ROW) {
    const unsigned char* t = sqlite3_column_text(stmt, 0);
    if (t) value = reinterpret_cast<const char*>(t);
  }
  sqlite3_finalize(stmt);
  return value;
}

std::uint64_t FileSize(const fs::path& p) {
  std::error_code ec;
  auto size = fs::file_size(p, ec);
  return ec ? 0 : size;
}

// ---------------------------------------------------------------------------
// Deterministic rows.

const char* const kWords[] = {
    "apple",   "river",  "stone",   "garden",  "window",  "paper",  "silver",
    "market",  "orange", "travel",  "letter",  "winter",  "summer", "candle",
    "forest",  "bridge", "castle",  "dinner",  "engine",  "flower", "guitar",
    "harbor",  "island", "jacket",  "kitchen", "ladder",  "mirror", "needle",
    "ocean",   "pencil", "quartz",  "rocket",  "saddle",  "ticket", "umbrella",
    "valley",  "wallet", "yellow",  "zipper",  "anchor",  "basket", "carpet",
    "desert",  "falcon", "goblet",  "hammer",  "insect",  "jungle", "kettle",
    "lemon",   "meadow", "nickel",  "oyster",  "parrot",  "quiver", "rabbit",
    "salmon",  "tunnel", "velvet",  "walnut",  "blue",    "red",    "green",
    "small",   "large",  "quick",   "quiet",   "bright",  "dark",   "warm",
    "cold",    "soft",   "sharp",   "round",   "heavy",   "light",  "fresh",
    "old",     "new",    "early",   "late",    "first",   "last",   "best",
    "the",     "a",      "of",      "and",     "to",      "in",     "for",
    "with",    "on",     "at",      "from",    "by",      "about",  "into",
    "buy",     "call",   "check",   "clean",   "cook",    "fix",    "mail",
    "meet",    "move",   "order",   "pack",    "paint",   "plan",   "read",
    "return",  "send",   "sort",    "visit",   "wash",    "write",  "review",
    "monday",  "friday", "weekend", "morning", "evening", "office", "school",
    "project", "report", "budget",  "invoice", "meeting", "notes",  "draft",
};
constexpr std::size_t kWordCount = sizeof(kWords) / sizeof(kWords[0]);

struct Row {
  std::string id;
  std::string title;
  std::optional<std::string> body;
  std::int64_t qty;
  double price;
  std::string price_text;
  std::string stamp;  // the generated `_updated_at` (plain and sqlite-sync)
};

struct SplitMix {
  std::uint64_t state;
  std::uint64_t Next() {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  std::size_t Below(std::size_t n) {
    return static_cast<std::size_t>(Next() % n);
  }
};

std::string Words(SplitMix& rng, std::size_t count) {
  std::string out;
  for (std::size_t i = 0; i < count; ++i) {
    if (i) out += ' ';
    out += kWords[rng.Below(kWordCount)];
  }
  return out;
}

std::vector<Row> GenerateRows(std::size_t n) {
  std::vector<Row> rows;
  rows.reserve(n);
  SplitMix rng{0xc0ffee};
  char buf[64];
  for (std::size_t i = 0; i < n; ++i) {
    Row row;
    std::snprintf(buf, sizeof(buf), "itm-%016llx",
                  static_cast<unsigned long long>(rng.Next()));
    row.id = buf;
    row.title = Words(rng, 2 + rng.Below(3));
    row.title[0] = static_cast<char>(std::toupper(row.title[0]));
    if (rng.Below(20) != 0) row.body = Words(rng, 5 + rng.Below(6));
    row.qty = static_cast<std::int64_t>(rng.Below(1000));
    const std::int64_t cents =
        99 + static_cast<std::int64_t>(rng.Below(99'900));
    row.price = static_cast<double>(cents) / 100.0;
    std::snprintf(buf, sizeof(buf), "%lld.%02lld",
                  static_cast<long long>(cents / 100),
                  static_cast<long long>(cents % 100));
    row.price_text = buf;
    // Same 38-character layout as coven's HLC text form.
    std::snprintf(
        buf, sizeof(buf), "%015llu-%05u-%016llx",
        static_cast<unsigned long long>(1'732'272'000'000ULL + i / 40),
        static_cast<unsigned>(i % 40), 0x5eedbe0c4a11ce55ULL);
    row.stamp = buf;
    rows.push_back(std::move(row));
  }
  return rows;
}

// The raw rows: comma-separated values, one row per line, NULL as an empty
// field (the generator never emits commas, quotes or newlines).
std::string RowsCsv(const std::vector<Row>& rows) {
  std::string out;
  out.reserve(rows.size() * 140);
  for (const Row& r : rows) {
    out += r.id;
    out += ',';
    out += r.title;
    out += ',';
    if (r.body) out += *r.body;
    out += ',';
    out += std::to_string(r.qty);
    out += ',';
    out += r.price_text;
    out += ',';
    out += r.stamp;
    out += '\n';
  }
  return out;
}

constexpr const char* kSchema =
    "CREATE TABLE items(id TEXT PRIMARY KEY NOT NULL, title TEXT NOT NULL "
    "DEFAULT '', body TEXT, qty INTEGER, price REAL, _updated_at TEXT NOT "
    "NULL DEFAULT '');";

std::string Pragmas(const Options& o) {
  std::string s =
      "PRAGMA journal_mode=WAL; PRAGMA synchronous=" + o.synchronous +
      "; PRAGMA foreign_keys=ON;";
  if (o.cache_mb > 0) {
    s += " PRAGMA cache_size=-" + std::to_string(o.cache_mb * 1024) + ";";
  }
  return s;
}

// ---------------------------------------------------------------------------
// Host writes, shared by plain SQLite and coven.

struct Inserter {
  sqlite3_stmt* stmt = nullptr;
  bool stamp_by_coven = false;
  Inserter(sqlite3* db, bool coven) : stamp_by_coven(coven) {
    const char* sql =
        coven ? "INSERT INTO items(id, title, body, qty, price, _updated_at) "
                "VALUES(?, ?, ?, ?, ?, coven_hlc())"
              : "INSERT INTO items(id, title, body, qty, price, _updated_at) "
                "VALUES(?, ?, ?, ?, ?, ?)";
    Check(sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) == SQLITE_OK,
          std::string("prepare insert: ") + sqlite3_errmsg(db));
  }
  ~Inserter() { sqlite3_finalize(stmt); }
  void Insert(const Row& r) {
    sqlite3_bind_text(stmt, 1, r.id.data(), static_cast<int>(r.id.size()),
                      SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, r.title.data(), static_cast<int>(r.title.size()),
                      SQLITE_STATIC);
    if (r.body) {
      sqlite3_bind_text(stmt, 3, r.body->data(),
                        static_cast<int>(r.body->size()), SQLITE_STATIC);
    } else {
      sqlite3_bind_null(stmt, 3);
    }
    sqlite3_bind_int64(stmt, 4, r.qty);
    sqlite3_bind_double(stmt, 5, r.price);
    if (!stamp_by_coven) {
      sqlite3_bind_text(stmt, 6, r.stamp.data(),
                        static_cast<int>(r.stamp.size()), SQLITE_STATIC);
    }
    int rc = sqlite3_step(stmt);
    if (rc != SQLITE_DONE) {
      Die(std::string("insert failed: ") +
          sqlite3_errmsg(sqlite3_db_handle(stmt)));
    }
    sqlite3_reset(stmt);
  }
};

sqlite3* OpenPlain(const fs::path& path, const Options& o) {
  sqlite3* db = nullptr;
  // The flags and settings of SqliteSyncDb::Open, except `synchronous`.
  Check(sqlite3_open_v2(
            path.c_str(), &db,
            SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
            nullptr) == SQLITE_OK,
        "open " + path.string());
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, 5000);
  Exec(db, Pragmas(o));
  return db;
}

// ---------------------------------------------------------------------------
// A coven device in this process (the approach of tests/test_device.cc).

struct Library {
  std::string id_hex;
  coven::keys::EncryptionKey key;
};

Library MakeLibrary(std::uint64_t seed) {
  coven::SeededEntropy entropy(seed ^ 0x11b7a7ULL);
  std::array<std::uint8_t, 16> id{};
  entropy.Fill(id);
  Library library;
  library.id_hex = coven::HexEncode(id);
  entropy.Fill(library.key.bytes);
  return library;
}

struct Device {
  sqlite3* conn = nullptr;  // opened exactly like the plain connection
  std::shared_ptr<coven::db::SqliteSyncDb> db;
  std::unique_ptr<SyncManager> manager;

  sqlite3* raw() { return conn; }

  // Stops capture (flushing) and closes the database.
  void Close() {
    if (manager) CheckStatus(manager->stop(), "stopping the sync manager");
    manager.reset();
    db.reset();
    if (conn) sqlite3_close(conn);
    conn = nullptr;
  }
};

Device OpenDevice(const fs::path& db_path, const fs::path& home_root,
                  const Library& library, std::uint64_t seed,
                  const Options& o) {
  Device d;
  // The host opens its connection (same flags and pragmas as the plain
  // SQLite runs) and hands it to coven with SqliteSyncDb::Wrap.
  d.conn = OpenPlain(db_path, o);
  Exec(d.conn, kSchema);
  auto db = coven::db::SqliteSyncDb::Wrap(d.conn);
  CheckStatus(db.status(), "wrapping " + db_path.string());
  d.db = *db;

  auto entropy = std::make_shared<coven::SeededEntropy>(seed);
  coven::keys::KeyService key_service(/*dev_mode=*/true, library.id_hex, "",
                                      entropy);
  CheckStatus(key_service.import_encryption_key(library.key), "importing key");
  coven::encryption::EncryptionService encryption(library.key);
  auto home = coven::home::FolderHome::Open(home_root.string());
  CheckStatus(home.status(), "opening folder home");

  coven::config::Config config = coven::config::Config::with_defaults(
      "", "bench-" + std::to_string(seed), std::nullopt);
  config.home = *home;
  config.entropy = entropy;
  config.synced_tables = {"items"};
  auto manager = SyncManager::Create([config] { return config; }, key_service,
                                     encryption, d.db, nullptr);
  CheckStatus(manager.status(), "creating the sync manager");
  d.manager = std::move(*manager);
  // First flush: the bootstrap scan of an empty table, so that the timed
  // flushes below are ordinary ones.
  CheckStatus(d.manager->flush().status(), "initial flush");
  return d;
}

// A digest of the synced content that ignores `_updated_at`.
std::string ContentDigest(sqlite3* db) {
  return QueryText(
      db,
      "SELECT count(*) || '/' || total(length(id) + length(title) + "
      "ifnull(length(body), 0)) || '/' || total(qty) || '/' || "
      "printf('%.2f', total(price)) || '/' || "
      "(SELECT id FROM items ORDER BY id LIMIT 1) FROM items");
}

// Checkpoints, VACUUMs and returns the size of the database file.
std::uint64_t CompactedSize(const fs::path& path) {
  sqlite3* db = nullptr;
  Check(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) ==
            SQLITE_OK,
        "reopen " + path.string());
  Exec(db,
       "PRAGMA wal_checkpoint(TRUNCATE); VACUUM; PRAGMA "
       "wal_checkpoint(TRUNCATE);");
  sqlite3_close(db);
  return FileSize(path);
}

std::uint64_t DirectoryBytes(const fs::path& root, std::size_t* files) {
  std::uint64_t total = 0;
  *files = 0;
  for (auto it = fs::recursive_directory_iterator(root);
       it != fs::recursive_directory_iterator(); ++it) {
    if (it->is_directory() && it->path().filename() == ".tmp") {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file()) {
      total += it->file_size();
      ++*files;
    }
  }
  return total;
}

// ---------------------------------------------------------------------------
// The sqlite3 shell (plain SQLite and sqlite-sync).

// Runs `script` with the sqlite3 shell on `db`; returns the stdout lines that
// start with "T:" (timestamps in ms) or "V:" (values), in order.
std::vector<std::pair<char, std::string>> RunShell(const Options& o,
                                                   const fs::path& dir,
                                                   const fs::path& db,
                                                   const std::string& name,
                                                   const std::string& script) {
  const fs::path script_path = dir / (name + ".sql");
  const fs::path out_path = dir / (name + ".out");
  {
    std::ofstream f(script_path);
    f << script;
  }
  const std::string cmd = "'" + o.sqlite3_shell + "' -batch -bail '" +
                          db.string() + "' < '" + script_path.string() +
                          "' > '" + out_path.string() + "' 2>&1";
  int rc = std::system(cmd.c_str());
  std::ifstream in(out_path);
  std::string line, all;
  std::vector<std::pair<char, std::string>> out;
  while (std::getline(in, line)) {
    all += line + "\n";
    if (line.size() > 2 && (line[0] == 'T' || line[0] == 'V') &&
        line[1] == ':') {
      out.emplace_back(line[0], line.substr(2));
    }
  }
  if (rc != 0 || all.find("Error") != std::string::npos ||
      all.find("error") != std::string::npos) {
    Die("sqlite3 shell step `" + name + "` failed (exit " + std::to_string(rc) +
        "):\n" + all.substr(0, 2000));
  }
  return out;
}

// Wall clock in ms, as the shell sees it (julianday('now') has ms resolution;
// every interval timed this way is 100 ms or more at the default sizes).
constexpr const char* kMark =
    "SELECT 'T:' || CAST(round((julianday('now') - 2440587.5) * 86400000.0) "
    "AS INTEGER);\n";

std::vector<double> Intervals(
    const std::vector<std::pair<char, std::string>>& lines) {
  std::vector<double> t;
  for (const auto& [kind, value] : lines) {
    if (kind == 'T') t.push_back(std::stod(value));
  }
  std::vector<double> d;
  for (std::size_t i = 1; i < t.size(); i += 2) d.push_back(t[i] - t[i - 1]);
  return d;
}

std::vector<std::string> Values(
    const std::vector<std::pair<char, std::string>>& lines) {
  std::vector<std::string> v;
  for (const auto& [kind, value] : lines) {
    if (kind == 'V') v.push_back(value);
  }
  return v;
}

// ---------------------------------------------------------------------------
// Measurements.

struct Samples {
  std::map<std::string, std::vector<double>> values;
  void Add(const std::string& key, double v) { values[key].push_back(v); }
  // Adds `<key>_ms` (wall clock) and `<key>_cpu_ms` (this thread's CPU time).
  void AddTimed(const std::string& key, Clock::time_point t0, double cpu0) {
    Add(key + "_ms", MsSince(t0));
    Add(key + "_cpu_ms", ThreadCpuMs() - cpu0);
  }
  bool Has(const std::string& key) const {
    auto it = values.find(key);
    return it != values.end() && !it->second.empty();
  }
  double Med(const std::string& key) const {
    auto it = values.find(key);
    return it == values.end() ? std::nan("") : Median(it->second);
  }
  double Min(const std::string& key) const {
    auto it = values.find(key);
    return it == values.end() || it->second.empty()
               ? std::nan("")
               : *std::min_element(it->second.begin(), it->second.end());
  }
  double Max(const std::string& key) const {
    auto it = values.find(key);
    return it == values.end() || it->second.empty()
               ? std::nan("")
               : *std::max_element(it->second.begin(), it->second.end());
  }
};

struct Context {
  Options o;
  fs::path work;
  std::vector<Row> rows;
  fs::path csv;
  std::uint64_t csv_bytes = 0;
  std::uint64_t zstd3_bytes = 0;
  Library library = MakeLibrary(42);
  Samples s;
  std::map<std::string, double> once;  // sizes, measured in the last run
};

void PlainBulk(Context& c, const fs::path& dir) {
  sqlite3* db = OpenPlain(dir / "plain.db", c.o);
  Exec(db, kSchema);
  {
    Inserter ins(db, false);
    auto t0 = Clock::now();
    const double c0 = ThreadCpuMs();
    Exec(db, "BEGIN");
    for (const Row& r : c.rows) ins.Insert(r);
    Exec(db, "COMMIT");
    c.s.AddTimed("cpp.plain.bulk", t0, c0);
  }
  Check(QueryInt(db, "SELECT count(*) FROM items") ==
            static_cast<std::int64_t>(c.rows.size()),
        "plain bulk row count");
  sqlite3_close(db);
}

void PlainSingles(Context& c, const fs::path& dir) {
  sqlite3* db = OpenPlain(dir / "plain-singles.db", c.o);
  Exec(db, kSchema);
  {
    Inserter ins(db, false);
    auto t0 = Clock::now();
    const double c0 = ThreadCpuMs();
    for (std::size_t i = 0; i < c.o.singles; ++i) ins.Insert(c.rows[i]);
    c.s.AddTimed("cpp.plain.singles", t0, c0);
  }
  sqlite3_close(db);
}

// Device A: bulk write with capture, flush, push. Device B: pull + apply.
void CovenEndToEnd(Context& c, const fs::path& dir) {
  const fs::path home = dir / "home";
  Device a = OpenDevice(dir / "coven-a.db", home, c.library, 1, c.o);
  {
    Inserter ins(a.raw(), true);
    auto t0 = Clock::now();
    const double c0 = ThreadCpuMs();
    a.db->Write([&](sqlite3* db) {
      Exec(db, "BEGIN");
      for (const Row& r : c.rows) ins.Insert(r);
      Exec(db, "COMMIT");
      return 0;
    });
    c.s.AddTimed("cpp.coven.bulk", t0, c0);
  }
  {
    auto t0 = Clock::now();
    const double c0 = ThreadCpuMs();
    auto flushed = a.manager->flush();
    c.s.AddTimed("coven.flush", t0, c0);
    CheckStatus(flushed.status(), "flush on A");
    Check(*flushed == c.rows.size(),
          "flush captured " + std::to_string(*flushed) + " rows, expected " +
              std::to_string(c.rows.size()));
  }
  {
    auto t0 = Clock::now();
    const double c0 = ThreadCpuMs();
    auto report = a.manager->sync_now();
    c.s.AddTimed("coven.push", t0, c0);
    CheckStatus(report.status(), "push from A");
    Check(report->pushed_objects >= 1, "A pushed nothing");
  }
  std::size_t files = 0;
  const std::uint64_t home_bytes = DirectoryBytes(home, &files);
  c.s.Add("coven.home_bytes", static_cast<double>(home_bytes));
  c.s.Add("coven.home_files", static_cast<double>(files));

  Device b = OpenDevice(dir / "coven-b.db", home, c.library, 2, c.o);
  {
    auto t0 = Clock::now();
    const double c0 = ThreadCpuMs();
    auto report = b.manager->sync_now();
    c.s.AddTimed("coven.pull_apply", t0, c0);
    CheckStatus(report.status(), "pull on B");
    Check(report->applied_rows == c.rows.size(),
          "B applied " + std::to_string(report->applied_rows) + " rows");
  }
  const std::string da = ContentDigest(a.raw());
  const std::string db = ContentDigest(b.raw());
  Check(da == db, "A and B differ after sync: " + da + " vs " + db);
  a.Close();
  b.Close();
}

void CovenSingles(Context& c, const fs::path& dir) {
  Device d = OpenDevice(dir / "coven-singles.db", dir / "home-singles",
                        c.library, 3, c.o);
  {
    Inserter ins(d.raw(), true);
    auto t0 = Clock::now();
    const double c0 = ThreadCpuMs();
    for (std::size_t i = 0; i < c.o.singles; ++i) {
      d.db->Write([&](sqlite3*) {
        ins.Insert(c.rows[i]);
        return 0;
      });
    }
    c.s.AddTimed("cpp.coven.singles", t0, c0);
  }
  {
    auto t0 = Clock::now();
    const double c0 = ThreadCpuMs();
    auto flushed = d.manager->flush();
    c.s.AddTimed("coven.singles_flush", t0, c0);
    CheckStatus(flushed.status(), "flush of singles");
    Check(*flushed == c.o.singles, "singles flush row count");
  }
  d.Close();
}

std::string ShellPrelude(const Context& c, bool with_sync) {
  std::string s = ".bail on\n.headers off\n.mode list\n";
  if (with_sync) s += ".load '" + c.o.sqlite_sync + "'\n";
  s += Pragmas(c.o) + "\n";
  s += std::string(kSchema) + "\n";
  if (with_sync) s += "SELECT 'V:' || cloudsync_init('items');\n";
  s += "CREATE TEMP TABLE staging(id TEXT, title TEXT, body TEXT, qty INTEGER, "
       "price REAL, _updated_at TEXT);\n";
  s += ".import --csv --schema temp '" + c.csv.string() + "' staging\n";
  // An empty CSV field is an empty string; the generator means NULL.
  s += "UPDATE temp.staging SET body = NULL WHERE body = '';\n";
  return s;
}

void ShellBulk(Context& c, const fs::path& dir, bool with_sync, bool last_run) {
  const std::string who = with_sync ? "sqlite_sync" : "shell_plain";
  const fs::path db = dir / (who + ".db");
  std::string s = ShellPrelude(c, with_sync);
  s += kMark;
  s += "BEGIN;\nINSERT INTO items SELECT * FROM temp.staging ORDER BY "
       "rowid;\nCOMMIT;\n";
  s += kMark;
  s += "SELECT 'V:' || count(*) FROM items;\n";
  if (with_sync) {
    const fs::path payload = dir / "sqlite_sync.payload";
    s += kMark;
    s += "SELECT 'V:' || cloudsync_payload_save('" + payload.string() + "');\n";
    s += kMark;
    s += "SELECT 'V:' || cloudsync_terminate();\n";
  }
  auto out = RunShell(c.o, dir, db, who + "_bulk", s);
  auto d = Intervals(out);
  auto v = Values(out);
  Check(!d.empty(), who + ": no timings");
  c.s.Add("shell." + who + ".bulk_ms", d[0]);
  const std::string count = with_sync ? v.at(1) : v.at(0);
  Check(count == std::to_string(c.rows.size()), who + " row count " + count);
  if (with_sync) {
    Check(d.size() >= 2, "sqlite-sync: no payload timing");
    c.s.Add("sqlite_sync.encode_ms", d[1]);
    c.s.Add("sqlite_sync.payload_bytes",
            static_cast<double>(FileSize(dir / "sqlite_sync.payload")));
    // Apply into a second database.
    const fs::path db_b = dir / "sqlite_sync_b.db";
    std::string t = ".bail on\n.load '" + c.o.sqlite_sync + "'\n" +
                    Pragmas(c.o) + "\n" + kSchema +
                    "\nSELECT 'V:' || cloudsync_init('items');\n";
    t += kMark;
    t += "SELECT 'V:' || cloudsync_payload_load('" +
         (dir / "sqlite_sync.payload").string() + "');\n";
    t += kMark;
    t += "SELECT 'V:' || count(*) FROM items;\n";
    t += "SELECT 'V:' || cloudsync_terminate();\n";
    auto out_b = RunShell(c.o, dir, db_b, "sqlite_sync_apply", t);
    auto db_times = Intervals(out_b);
    auto vb = Values(out_b);
    Check(!db_times.empty(), "sqlite-sync apply: no timing");
    c.s.Add("sqlite_sync.apply_ms", db_times[0]);
    Check(vb.at(2) == std::to_string(c.rows.size()),
          "sqlite-sync B row count " + vb.at(2));
    if (last_run) {
      c.once["sqlite_sync.a_db_bytes"] = static_cast<double>(CompactedSize(db));
      c.once["sqlite_sync.b_db_bytes"] =
          static_cast<double>(CompactedSize(db_b));
    }
  } else if (last_run) {
    c.once["shell.plain.db_bytes"] = static_cast<double>(CompactedSize(db));
  }
}

void ShellSingles(Context& c, const fs::path& dir, bool with_sync) {
  const std::string who = with_sync ? "sqlite_sync" : "shell_plain";
  const fs::path db = dir / (who + "-singles.db");
  std::string s = ShellPrelude(c, with_sync);
  s += kMark;
  for (std::size_t i = 1; i <= c.o.singles; ++i) {
    s += "INSERT INTO items SELECT * FROM temp.staging WHERE rowid=" +
         std::to_string(i) + ";\n";
  }
  s += kMark;
  s += "SELECT 'V:' || count(*) FROM items;\n";
  if (with_sync) s += "SELECT 'V:' || cloudsync_terminate();\n";
  auto out = RunShell(c.o, dir, db, who + "_singles", s);
  auto d = Intervals(out);
  auto v = Values(out);
  Check(!d.empty(), who + " singles: no timing");
  c.s.Add("shell." + who + ".singles_ms", d[0]);
  const std::string count = with_sync ? v.at(1) : v.at(0);
  Check(count == std::to_string(c.o.singles), who + " singles count " + count);
}

// ---------------------------------------------------------------------------
// Report.

std::string Fmt(double v, int decimals = 1) {
  if (std::isnan(v)) return "n/a";
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", decimals, v);
  return buf;
}

std::string FmtBytes(double v) {
  if (std::isnan(v)) return "n/a";
  char buf[64];
  if (v >= 1e6) {
    std::snprintf(buf, sizeof(buf), "%.2f MB", v / 1e6);
  } else {
    std::snprintf(buf, sizeof(buf), "%.1f kB", v / 1e3);
  }
  return buf;
}

struct Verdict {
  std::string text;
  bool met;
};

// `ratio` must be <= goal (or >= goal when `at_least`).
Verdict Judge(double ratio, double goal, bool at_least = false) {
  if (std::isnan(ratio)) return {"not measured", false};
  bool met = at_least ? ratio >= goal : ratio <= goal;
  if (met) return {"**met**", true};
  double by =
      at_least ? (goal - ratio) / goal * 100 : (ratio - goal) / goal * 100;
  return {"**missed** by " + Fmt(by, 0) + "%", false};
}

// Judges a ratio measured as wall time and as CPU time.
Verdict Judge2(double wall, double cpu, double goal) {
  Verdict w = Judge(wall, goal), c = Judge(cpu, goal);
  if (w.met && c.met) return {"**met** (wall and CPU)", true};
  if (!w.met && !c.met) {
    return {"**missed** (wall " + w.text.substr(w.text.find("by")) + ", CPU " +
                c.text.substr(c.text.find("by")) + ")",
            false};
  }
  return {std::string(w.met ? "met on wall time, " : "missed on wall time, ") +
              (c.met ? "met on CPU time" : "missed on CPU time"),
          false};
}

void Report(Context& c) {
  const Samples& s = c.s;
  const double n = static_cast<double>(c.rows.size());
  // Per-run ratios (both sides from the same repetition).
  Samples r;
  const std::size_t runs = s.values.at("cpp.plain.bulk_ms").size();
  for (std::size_t i = 0; i < runs; ++i) {
    auto at = [&](const std::string& k) { return s.values.at(k).at(i); };
    r.Add("bulk", at("cpp.coven.bulk_ms") / at("cpp.plain.bulk_ms"));
    r.Add("singles", at("cpp.coven.singles_ms") / at("cpp.plain.singles_ms"));
    r.Add("bulk_cpu",
          at("cpp.coven.bulk_cpu_ms") / at("cpp.plain.bulk_cpu_ms"));
    r.Add("singles_cpu",
          at("cpp.coven.singles_cpu_ms") / at("cpp.plain.singles_cpu_ms"));
    r.Add("bulk_plus_flush_cpu",
          (at("cpp.coven.bulk_cpu_ms") + at("coven.flush_cpu_ms")) /
              at("cpp.plain.bulk_cpu_ms"));
    r.Add("total_cpu_ms", at("coven.flush_cpu_ms") + at("coven.push_cpu_ms") +
                              at("coven.pull_apply_cpu_ms"));
    const double total =
        at("coven.flush_ms") + at("coven.push_ms") + at("coven.pull_apply_ms");
    r.Add("total_ms", total);
    r.Add("rows_s", n / (total / 1000.0));
    r.Add("bulk_plus_flush", (at("cpp.coven.bulk_ms") + at("coven.flush_ms")) /
                                 at("cpp.plain.bulk_ms"));
    if (s.Has("shell.sqlite_sync.bulk_ms")) {
      r.Add("ss_bulk",
            at("shell.sqlite_sync.bulk_ms") / at("shell.shell_plain.bulk_ms"));
      r.Add("ss_singles", at("shell.sqlite_sync.singles_ms") /
                              at("shell.shell_plain.singles_ms"));
      const double ss_total =
          at("sqlite_sync.encode_ms") + at("sqlite_sync.apply_ms");
      r.Add("ss_total_ms", ss_total);
      r.Add("ss_rows_s", n / (ss_total / 1000.0));
      r.Add("speedup", (n / (total / 1000.0)) / (n / (ss_total / 1000.0)));
    }
  }
  auto range = [&](const Samples& x, const std::string& k, int d = 2) {
    return Fmt(x.Min(k), d) + "–" + Fmt(x.Max(k), d);
  };
  const bool ss = s.Has("shell.sqlite_sync.bulk_ms");
  std::ostringstream md;
  md << "Rows: " << c.rows.size() << " (" << FmtBytes(c.csv_bytes)
     << " as CSV, " << Fmt(c.csv_bytes / n, 0) << " B/row); single-row "
     << "transactions: " << c.o.singles << "; repetitions: " << runs
     << "; connection: journal_mode=WAL, synchronous=" << c.o.synchronous
     << (c.o.cache_mb > 0
             ? ", cache_size=" + std::to_string(c.o.cache_mb) + " MB"
             : std::string(", default page cache"))
     << ". Times are medians (ms); ratios are medians of per-repetition ratios "
        "(range in brackets).\n\n";

  md << "### Write path: capture vs plain SQLite\n\n";
  md << "| Workload | plain SQLite (ms) | with sync capture (ms) | ratio, wall "
        "[range] | ratio, CPU time | goal | result |\n"
        "|---|---:|---:|---:|---:|---:|---|\n";
  {
    auto v = Judge2(r.Med("bulk"), r.Med("bulk_cpu"), 1.5);
    md << "| coven vs plain, C++: " << c.rows.size()
       << "-row bulk transaction | " << Fmt(s.Med("cpp.plain.bulk_ms")) << " | "
       << Fmt(s.Med("cpp.coven.bulk_ms")) << " | " << Fmt(r.Med("bulk"), 2)
       << "x [" << range(r, "bulk") << "] | " << Fmt(r.Med("bulk_cpu"), 2)
       << "x | <= 1.5x (stretch 1.3x) | " << v.text
       << (r.Med("bulk") <= 1.3 && r.Med("bulk_cpu") <= 1.3 ? "; stretch met"
                                                            : "")
       << " |\n";
    auto w = Judge2(r.Med("singles"), r.Med("singles_cpu"), 1.2);
    md << "| coven vs plain, C++: " << c.o.singles
       << " single-row transactions | " << Fmt(s.Med("cpp.plain.singles_ms"))
       << " | " << Fmt(s.Med("cpp.coven.singles_ms")) << " | "
       << Fmt(r.Med("singles"), 2) << "x [" << range(r, "singles") << "] | "
       << Fmt(r.Med("singles_cpu"), 2) << "x | <= 1.2x | " << w.text << " |\n";
    md << "| coven vs plain, C++: bulk transaction + its later flush | "
       << Fmt(s.Med("cpp.plain.bulk_ms")) << " | "
       << Fmt(s.Med("cpp.coven.bulk_ms") + s.Med("coven.flush_ms")) << " | "
       << Fmt(r.Med("bulk_plus_flush"), 2) << "x ["
       << range(r, "bulk_plus_flush") << "] | "
       << Fmt(r.Med("bulk_plus_flush_cpu"), 2) << "x | (info) | |\n";
  }
  if (ss) {
    md << "| sqlite-sync vs plain, shell: " << c.rows.size()
       << "-row bulk transaction | " << Fmt(s.Med("shell.shell_plain.bulk_ms"))
       << " | " << Fmt(s.Med("shell.sqlite_sync.bulk_ms")) << " | "
       << Fmt(r.Med("ss_bulk"), 2) << "x [" << range(r, "ss_bulk")
       << "] | | (reference) | |\n";
    md << "| sqlite-sync vs plain, shell: " << c.o.singles
       << " single-row transactions | "
       << Fmt(s.Med("shell.shell_plain.singles_ms")) << " | "
       << Fmt(s.Med("shell.sqlite_sync.singles_ms")) << " | "
       << Fmt(r.Med("ss_singles"), 2) << "x [" << range(r, "ss_singles")
       << "] | | (reference) | |\n";
  }
  md << "\nCross-check of the two plain baselines (same rows, same settings): "
        "C++ bulk "
     << Fmt(s.Med("cpp.plain.bulk_ms")) << " ms";
  if (ss) {
    md << ", shell bulk " << Fmt(s.Med("shell.shell_plain.bulk_ms"))
       << " ms; C++ singles " << Fmt(s.Med("cpp.plain.singles_ms"))
       << " ms, shell singles " << Fmt(s.Med("shell.shell_plain.singles_ms"))
       << " ms";
  }
  md << ".\n";
  md << "\n### End-to-end sync of " << c.rows.size()
     << " rows, device A -> home -> device B\n\n";
  md << "| Step | coven: wall ms (CPU ms) | sqlite-sync: wall ms |\n"
        "|---|---:|---:|\n";
  md << "| A: capture -> sealed object in the outbox (flush) | "
     << Fmt(s.Med("coven.flush_ms")) << " (" << Fmt(s.Med("coven.flush_cpu_ms"))
     << ") | (done inside the host's writes) |\n";
  md << "| A: outbox -> home (push) / encode payload | "
     << Fmt(s.Med("coven.push_ms")) << " (" << Fmt(s.Med("coven.push_cpu_ms"))
     << ") | " << (ss ? Fmt(s.Med("sqlite_sync.encode_ms")) : "n/a") << " |\n";
  md << "| B: home -> verify, open, apply (pull) / apply payload | "
     << Fmt(s.Med("coven.pull_apply_ms")) << " ("
     << Fmt(s.Med("coven.pull_apply_cpu_ms")) << ") | "
     << (ss ? Fmt(s.Med("sqlite_sync.apply_ms")) : "n/a") << " |\n";
  md << "| total | " << Fmt(r.Med("total_ms")) << " ("
     << Fmt(r.Med("total_cpu_ms")) << ") | "
     << (ss ? Fmt(r.Med("ss_total_ms")) : "n/a") << " |\n";
  md << "| throughput | " << Fmt(r.Med("rows_s") / 1000, 0) << "k rows/s | "
     << (ss ? Fmt(r.Med("ss_rows_s") / 1000, 1) + "k rows/s" : "n/a")
     << " |\n\n";
  {
    auto v = Judge(r.Med("rows_s"), 200'000, true);
    md << "- Goal >= 200k rows/s: " << Fmt(r.Med("rows_s") / 1000, 0)
       << "k rows/s [" << Fmt(r.Min("rows_s") / 1000, 0) << "k–"
       << Fmt(r.Max("rows_s") / 1000, 0) << "k] -> " << v.text << "\n";
    if (ss) {
      auto w = Judge(r.Med("speedup"), 10, true);
      md << "- Goal >= 10x sqlite-sync: " << Fmt(r.Med("speedup"), 1) << "x ["
         << range(r, "speedup", 1) << "] -> " << w.text << "\n";
    }
  }
  md << "\n### Bytes\n\n";
  const double home = s.Med("coven.home_bytes");
  md << "| What | bytes | vs zstd -3 of raw rows |\n|---|---:|---:|\n";
  md << "| raw rows (CSV) | " << FmtBytes(c.csv_bytes) << " | "
     << Fmt(c.csv_bytes / static_cast<double>(c.zstd3_bytes), 2) << "x |\n";
  md << "| zstd level 3 of the raw rows | " << FmtBytes(c.zstd3_bytes)
     << " | 1.00x |\n";
  md << "| coven: everything stored in the home ("
     << Fmt(s.Med("coven.home_files"), 0)
     << " files: sealed log object + head) | " << FmtBytes(home) << " | "
     << Fmt(home / c.zstd3_bytes, 2) << "x |\n";
  if (ss) {
    md << "| sqlite-sync: cloudsync_payload_save payload | "
       << FmtBytes(s.Med("sqlite_sync.payload_bytes")) << " | "
       << Fmt(s.Med("sqlite_sync.payload_bytes") / c.zstd3_bytes, 2) << "x |\n";
  }
  {
    auto v = Judge(home / c.zstd3_bytes, 1.3);
    md << "\n- Goal home bytes <= 1.3x zstd of raw rows: "
       << Fmt(home / c.zstd3_bytes, 2) << "x -> " << v.text << "\n";
    if (ss) {
      md << "- coven home bytes / sqlite-sync payload: "
         << Fmt(home / s.Med("sqlite_sync.payload_bytes"), 2) << "x\n";
    }
  }
  md << "\n### Database size (after sync; WAL checkpointed, VACUUM)\n\n";
  md << "| Database | bytes | vs plain SQLite with the same rows "
        "|\n|---|---:|---:|\n";
  const double plain = c.once["cpp.plain.db_bytes"];
  md << "| plain SQLite (C++) | " << FmtBytes(plain) << " | 1.00x |\n";
  md << "| coven device A (wrote the rows) | "
     << FmtBytes(c.once["coven.a_db_bytes"]) << " | "
     << Fmt(c.once["coven.a_db_bytes"] / plain, 3) << "x |\n";
  md << "| coven device B (applied them) | "
     << FmtBytes(c.once["coven.b_db_bytes"]) << " | "
     << Fmt(c.once["coven.b_db_bytes"] / plain, 3) << "x |\n";
  if (ss) {
    const double sp = c.once["shell.plain.db_bytes"];
    md << "| plain SQLite (shell) | " << FmtBytes(sp) << " | 1.00x |\n";
    md << "| sqlite-sync A | " << FmtBytes(c.once["sqlite_sync.a_db_bytes"])
       << " | " << Fmt(c.once["sqlite_sync.a_db_bytes"] / sp, 2) << "x |\n";
    md << "| sqlite-sync B | " << FmtBytes(c.once["sqlite_sync.b_db_bytes"])
       << " | " << Fmt(c.once["sqlite_sync.b_db_bytes"] / sp, 2) << "x |\n";
  }
  {
    const double worst =
        std::max(c.once["coven.a_db_bytes"], c.once["coven.b_db_bytes"]) /
        plain;
    auto v = Judge(worst, 1.1);
    md << "\n- Goal coven database <= 1.1x plain: " << Fmt(worst, 3)
       << "x (larger of A and B) -> " << v.text << "\n";
  }
  md << "\n### Other\n\n";
  md << "- coven flush of " << c.o.singles << " rows written as single-row "
     << "transactions: " << Fmt(s.Med("coven.singles_flush_ms")) << " ms\n";

  nlohmann::json j;
  j["rows"] = c.rows.size();
  j["singles"] = c.o.singles;
  j["runs"] = runs;
  j["synchronous"] = c.o.synchronous;
  j["cache_mb"] = c.o.cache_mb;
  j["csv_bytes"] = c.csv_bytes;
  j["zstd3_bytes"] = c.zstd3_bytes;
  for (const auto& [k, v] : s.values) {
    j["samples"][k] = v;
    j["median"][k] = Median(v);
  }
  for (const auto& [k, v] : r.values) {
    j["ratios"][k]["median"] = Median(v);
    j["ratios"][k]["samples"] = v;
  }
  for (const auto& [k, v] : c.once) j["sizes"][k] = v;

  std::cout << md.str() << "\n```json\n" << j.dump(2) << "\n```\n";
  if (!c.o.markdown_out.empty()) {
    std::ofstream(c.o.markdown_out) << md.str();
  }
  if (!c.o.json_out.empty()) std::ofstream(c.o.json_out) << j.dump(2) << "\n";
}

Options ParseArgs(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) Die("missing value for " + a);
      return argv[++i];
    };
    if (a == "--rows") {
      o.rows = std::stoull(next());
    } else if (a == "--singles") {
      o.singles = std::stoull(next());
    } else if (a == "--runs") {
      o.runs = std::stoi(next());
    } else if (a == "--workdir") {
      o.workdir = next();
    } else if (a == "--keep") {
      o.keep = true;
    } else if (a == "--synchronous") {
      o.synchronous = next();
    } else if (a == "--cache-mb") {
      o.cache_mb = std::stoi(next());
    } else if (a == "--sqlite3") {
      o.sqlite3_shell = next();
    } else if (a == "--sqlite-sync") {
      o.sqlite_sync = next();
    } else if (a == "--json") {
      o.json_out = next();
    } else if (a == "--markdown") {
      o.markdown_out = next();
    } else if (a == "--help" || a == "-h") {
      std::cout << "usage: e2e_bench [--rows N] [--singles M] [--runs R] "
                   "[--workdir DIR] [--keep] [--synchronous NORMAL|FULL] "
                   "[--cache-mb N] "
                   "[--sqlite3 PATH] [--sqlite-sync PATH] [--json FILE] "
                   "[--markdown FILE]\n";
      std::exit(0);
    } else {
      Die("unknown argument " + a);
    }
  }
  if (o.synchronous != "NORMAL" && o.synchronous != "FULL") {
    Die("--synchronous must be NORMAL or FULL");
  }
  if (o.runs < 1) Die("--runs must be >= 1");
  if (o.rows < 1) Die("--rows must be >= 1");
  o.singles = std::min(o.singles, o.rows);
  if (o.sqlite_sync.size() > 3 &&
      o.sqlite_sync.compare(o.sqlite_sync.size() - 3, 3, ".so") == 0) {
    o.sqlite_sync.resize(o.sqlite_sync.size() - 3);
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  Context c;
  c.o = ParseArgs(argc, argv);
  if (c.o.workdir.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    std::string templ =
        std::string(tmp && *tmp ? tmp : "/tmp") + "/coven-bench-XXXXXX";
    std::vector<char> buf(templ.begin(), templ.end());
    buf.push_back('\0');
    Check(mkdtemp(buf.data()) != nullptr, "mkdtemp failed");
    c.work = buf.data();
  } else {
    c.work = c.o.workdir;
    fs::create_directories(c.work);
  }
  c.work = fs::absolute(c.work);
  std::cerr << "e2e_bench: work directory " << c.work << "\n";

  c.rows = GenerateRows(c.o.rows);
  const std::string csv = RowsCsv(c.rows);
  c.csv = c.work / "rows.csv";
  std::ofstream(c.csv, std::ios::binary) << csv;
  c.csv_bytes = csv.size();
  {
    std::string out(ZSTD_compressBound(csv.size()), '\0');
    std::size_t z =
        ZSTD_compress(out.data(), out.size(), csv.data(), csv.size(), 3);
    Check(!ZSTD_isError(z), "zstd failed");
    c.zstd3_bytes = z;
  }
  const bool ss = !c.o.sqlite_sync.empty();
  if (ss)
    Check(fs::exists(c.o.sqlite_sync + ".so"),
          c.o.sqlite_sync + ".so not found");

  for (int run = 0; run < c.o.runs; ++run) {
    const bool last = run + 1 == c.o.runs;
    const fs::path dir = c.work / ("run-" + std::to_string(run));
    fs::remove_all(dir);
    fs::create_directories(dir);
    std::cerr << "e2e_bench: run " << run + 1 << "/" << c.o.runs << "\n";
    // Alternate the order so that neither side always runs first.
    if (run % 2 == 0) {
      PlainBulk(c, dir);
      CovenEndToEnd(c, dir);
      PlainSingles(c, dir);
      CovenSingles(c, dir);
    } else {
      CovenEndToEnd(c, dir);
      PlainBulk(c, dir);
      CovenSingles(c, dir);
      PlainSingles(c, dir);
    }
    if (last) {
      c.once["coven.a_db_bytes"] =
          static_cast<double>(CompactedSize(dir / "coven-a.db"));
      c.once["coven.b_db_bytes"] =
          static_cast<double>(CompactedSize(dir / "coven-b.db"));
      c.once["cpp.plain.db_bytes"] =
          static_cast<double>(CompactedSize(dir / "plain.db"));
    }
    if (ss) {
      if (run % 2 == 0) {
        ShellBulk(c, dir, false, last);
        ShellBulk(c, dir, true, last);
        ShellSingles(c, dir, false);
        ShellSingles(c, dir, true);
      } else {
        ShellBulk(c, dir, true, last);
        ShellBulk(c, dir, false, last);
        ShellSingles(c, dir, true);
        ShellSingles(c, dir, false);
      }
    }
    if (!c.o.keep && !last) fs::remove_all(dir);
  }
  Report(c);
  if (!c.o.keep) fs::remove_all(c.work);
  return 0;
}
