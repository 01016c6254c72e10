// The sqlite3 shell runs: plain SQLite and sqlite-sync.
#include <cstdlib>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "e2e/runs.h"

namespace coven::bench {
namespace {

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

}  // namespace

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

}  // namespace coven::bench
