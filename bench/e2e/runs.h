// The measured steps of one repetition. Each adds its samples to `c.s`, in
// the run directory `dir`.
#ifndef COVEN_BENCH_E2E_RUNS_H_
#define COVEN_BENCH_E2E_RUNS_H_

#include <filesystem>

#include "e2e/context.h"

namespace coven::bench {

namespace fs = std::filesystem;

// C++, same process (cpp_runs.cc).

// Plain SQLite: one transaction of all rows (plain.db).
void PlainBulk(Context& c, const fs::path& dir);
// Plain SQLite: `singles` single-row transactions.
void PlainSingles(Context& c, const fs::path& dir);
// Device A: bulk write with capture, flush, push. Device B: pull + apply.
void CovenEndToEnd(Context& c, const fs::path& dir);
// coven: `singles` single-row transactions, then their flush.
void CovenSingles(Context& c, const fs::path& dir);

// The sqlite3 shell, plain SQLite or sqlite-sync (shell_runs.cc).

// A bulk transaction; with sqlite-sync also payload save and load into a
// second database. On the last run, records database sizes in `c.once`.
void ShellBulk(Context& c, const fs::path& dir, bool with_sync, bool last_run);
// `singles` single-row transactions.
void ShellSingles(Context& c, const fs::path& dir, bool with_sync);

}  // namespace coven::bench

#endif  // COVEN_BENCH_E2E_RUNS_H_
