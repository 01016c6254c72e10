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
//
// Sources: e2e/options.h and e2e/util (helpers), e2e/rows (the generated
// rows), e2e/devices (plain SQLite and coven databases), e2e/context.h
// (samples), e2e/cpp_runs.cc and e2e/shell_runs.cc (the measured steps),
// e2e/report (markdown and JSON); this file parses the arguments and runs
// the repetitions.
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "e2e/context.h"
#include "e2e/devices.h"
#include "e2e/options.h"
#include "e2e/report.h"
#include "e2e/rows.h"
#include "e2e/runs.h"
#include "e2e/util.h"

namespace fs = std::filesystem;
using coven::bench::Check;
using coven::bench::CompactedSize;
using coven::bench::Context;
using coven::bench::CovenEndToEnd;
using coven::bench::CovenSingles;
using coven::bench::Die;
using coven::bench::GenerateRows;
using coven::bench::Options;
using coven::bench::PlainBulk;
using coven::bench::PlainSingles;
using coven::bench::Report;
using coven::bench::RowsCsv;
using coven::bench::ShellBulk;
using coven::bench::ShellSingles;

namespace {

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
