// Small helpers of e2e_bench: fatal checks, timing, medians and one-shot
// SQLite statements.
#ifndef COVEN_BENCH_E2E_UTIL_H_
#define COVEN_BENCH_E2E_UTIL_H_

#include <sqlite3.h>
#include <time.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "coven/status.h"

namespace coven::bench {

namespace fs = std::filesystem;

// Prints "e2e_bench: <message>" to stderr and exits with status 1.
[[noreturn]] void Die(const std::string& message);

void Check(bool ok, const std::string& what);

void CheckStatus(const coven::Status& status, const std::string& what);

using Clock = std::chrono::steady_clock;

inline double MsSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start)
      .count();
}

inline double ThreadCpuMs() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

// The median of `v`; NaN when empty.
double Median(std::vector<double> v);

// Runs `sql`; dies on error.
void Exec(sqlite3* db, const std::string& sql);

// The first column of the first row of `sql` (0 / "" when there is none).
std::int64_t QueryInt(sqlite3* db, const std::string& sql);
std::string QueryText(sqlite3* db, const std::string& sql);

// The size of `p` in bytes; 0 when it cannot be read.
std::uint64_t FileSize(const fs::path& p);

}  // namespace coven::bench

#endif  // COVEN_BENCH_E2E_UTIL_H_
