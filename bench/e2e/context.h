// The state of one e2e_bench invocation: options, generated rows, and the
// samples every repetition adds to.
#ifndef COVEN_BENCH_E2E_CONTEXT_H_
#define COVEN_BENCH_E2E_CONTEXT_H_

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "e2e/devices.h"
#include "e2e/options.h"
#include "e2e/rows.h"
#include "e2e/util.h"

namespace coven::bench {

namespace fs = std::filesystem;

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

}  // namespace coven::bench

#endif  // COVEN_BENCH_E2E_CONTEXT_H_
