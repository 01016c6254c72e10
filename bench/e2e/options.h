// Command-line options of e2e_bench (parsed in e2e_bench.cc).
#ifndef COVEN_BENCH_E2E_OPTIONS_H_
#define COVEN_BENCH_E2E_OPTIONS_H_

#include <cstddef>
#include <string>

namespace coven::bench {

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

}  // namespace coven::bench

#endif  // COVEN_BENCH_E2E_OPTIONS_H_
