// The C++ runs: plain SQLite and coven in this process.
#include <sqlite3.h>

#include <cstdint>
#include <string>

#include "e2e/runs.h"

namespace coven::bench {

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

  Device b = OpenDevice(dir / "coven-b.db", home, c.library, 2, c.o,
                        /*first_sync=*/false);
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

}  // namespace coven::bench
