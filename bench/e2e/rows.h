// The deterministic rows every system under test writes, and the schema and
// connection settings they are written with.
#ifndef COVEN_BENCH_E2E_ROWS_H_
#define COVEN_BENCH_E2E_ROWS_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "e2e/options.h"

namespace coven::bench {

struct Row {
  std::string id;
  std::string title;
  std::optional<std::string> body;
  std::int64_t qty;
  double price;
  std::string price_text;
  std::string stamp;  // the generated `_updated_at` (plain and sqlite-sync)
};

// `n` rows of ~133 bytes each, the same on every call.
std::vector<Row> GenerateRows(std::size_t n);

// The raw rows: comma-separated values, one row per line, NULL as an empty
// field (the generator never emits commas, quotes or newlines).
std::string RowsCsv(const std::vector<Row>& rows);

inline constexpr const char* kSchema =
    "CREATE TABLE items(id TEXT PRIMARY KEY NOT NULL, title TEXT NOT NULL "
    "DEFAULT '', body TEXT, qty INTEGER, price REAL, _updated_at TEXT NOT "
    "NULL DEFAULT '');";

// The connection settings shared by every database: WAL, `synchronous` and
// the page cache as given.
std::string Pragmas(const Options& o);

}  // namespace coven::bench

#endif  // COVEN_BENCH_E2E_ROWS_H_
