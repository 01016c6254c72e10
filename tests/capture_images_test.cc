// Capture: the row image a flush ships is the row as it is when the flush
// runs, value for value and type for type. An inserted row's image is taken
// straight from the session's INSERT record (no second read of the row), a
// row the stamp scan finds from the scan: both must match the live row,
// whatever the values (NULLs, blobs with NUL bytes, large text, integer and
// real extremes), whatever happened to the row after its insert in the same
// flush window, in a rowid table and in a WITHOUT ROWID one.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>
#include <vector>

#include "coven/memory_home.h"
#include "test_device.h"

namespace coven::testing {
namespace {

constexpr std::int64_t kStart = 1'700'000'000'000;

constexpr const char* kKindsSchema = R"sql(
CREATE TABLE kinds (
  id TEXT PRIMARY KEY,
  n INTEGER,
  r REAL,
  t TEXT,
  b BLOB,
  anything,
  _updated_at TEXT NOT NULL
);
CREATE TABLE kinds_nr (
  id TEXT PRIMARY KEY NOT NULL,
  n INTEGER,
  r REAL,
  t TEXT,
  b BLOB,
  anything,
  _updated_at TEXT NOT NULL
) WITHOUT ROWID;
)sql";

// Every value of every row of `table`, with its type: quote() tells an
// integer from a real and a blob from a text.
std::vector<std::string> Image(TestDevice& d, const std::string& table) {
  std::lock_guard<std::recursive_mutex> lock(d.sync_db().write_mutex());
  std::vector<std::string> rows;
  sqlite3_stmt* stmt = nullptr;
  const std::string sql =
      "SELECT quote(id), quote(n), quote(r), quote(t), quote(b), "
      "typeof(anything) || ':' || quote(anything), quote(_updated_at) FROM " +
      table + " ORDER BY id";
  EXPECT_EQ(sqlite3_prepare_v2(d.db(), sql.c_str(), -1, &stmt, nullptr),
            SQLITE_OK);
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    std::string row;
    for (int c = 0; c < sqlite3_column_count(stmt); ++c) {
      if (c) row += "|";
      const unsigned char* text = sqlite3_column_text(stmt, c);
      row += text ? reinterpret_cast<const char*>(text) : "?";
    }
    rows.push_back(row);
  }
  sqlite3_finalize(stmt);
  return rows;
}

// Writes, in one transaction, rows of every kind into `table`, and changes
// some of them again after their insert.
std::string Writes(const std::string& table) {
  const std::string ins = "INSERT INTO " + table + " VALUES";
  return ins +
         "('nulls', NULL, NULL, NULL, NULL, NULL, coven_hlc()),"
         "('ints', 9223372036854775807, -0.0, '', x'', -9223372036854775808, "
         "coven_hlc()),"
         "('reals', -1, 1.7976931348623157e308, 'é ü 日本', x'00ff0001', "
         "0.1, coven_hlc()),"
         "('large', 0, 2.5, printf('%.200000c', 'x'), zeroblob(70000), "
         "x'00', coven_hlc()),"
         "('text-in-int', 'abc', 'def', 42, 3.5, 'z', coven_hlc()),"
         "('updated', 1, 1.0, 'first', x'01', 1, coven_hlc()),"
         "('unstamped', 1, 1.0, 'first', x'01', 1, coven_hlc()),"
         "('reinserted', 1, 1.0, 'first', x'01', 1, coven_hlc()),"
         "('nulled', 1, 1.0, 'first', x'01', 1, coven_hlc());"
         // Changed again after the insert, in the same flush window: the
         // image must be the row as it is now.
         "UPDATE " +
         table +
         " SET t = 'second', b = x'0202', anything = NULL, "
         "_updated_at = coven_hlc() WHERE id = 'updated';"
         "UPDATE " +
         table +
         " SET n = 2, t = 'kept stamp' WHERE id = 'unstamped';"
         "DELETE FROM " +
         table + " WHERE id = 'reinserted';" + ins +
         "('reinserted', 3, NULL, 'third', NULL, x'03', coven_hlc());"
         "UPDATE " +
         table +
         " SET n = NULL, r = NULL, t = NULL, b = NULL, anything = NULL, "
         "_updated_at = coven_hlc() WHERE id = 'nulled';" +
         ins + "('foreign', 7, 7.5, 'f', x'07', 7, '2000-01-01 00:00:00');";
}

// `filler` more todos written after the rows above in the same
// transaction: with enough of them the session passes its memory bound and
// stops recording, and the flush also scans for this device's stamps.
void RunImages(int filler, std::uint64_t seed) {
  SCOPED_TRACE("filler rows " + std::to_string(filler));
  auto home = home::MemoryHome::Create();
  auto lib = MakeLibrary(seed);
  auto clock = std::make_shared<ManualClock>(kStart);
  TestDevice::Options options;
  options.extra_schema = kKindsSchema;
  options.tables = {"todos", "todo_notes", "kinds", "kinds_nr"};
  auto a = TestDevice::Create(lib, home, 1, clock, options);
  auto b = TestDevice::Create(lib, home, 2, clock, options);
  a->Sync();
  b->Sync();
  clock->Advance(10);
  std::string filler_sql;
  if (filler > 0) {
    filler_sql =
        "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c "
        "WHERE i < " +
        std::to_string(filler) +
        ") INSERT INTO todos SELECT 'filler-' || i, 'todo ' || i, 0, "
        "coven_hlc() FROM c;";
  }
  a->Exec("BEGIN;" + Writes("kinds") + Writes("kinds_nr") + filler_sql +
          "COMMIT;");
  a->Sync();
  b->Sync();
  for (const std::string table : {"kinds", "kinds_nr"}) {
    SCOPED_TRACE(table);
    const std::vector<std::string> on_a = Image(*a, table);
    EXPECT_EQ(on_a.size(), 10u);
    EXPECT_EQ(Image(*b, table), on_a);
  }
  EXPECT_EQ(b->Dump("todos").size(), static_cast<std::size_t>(filler));
}

TEST(CaptureImagesTest, ShippedRowsAreTheLiveRows) { RunImages(0, 301); }

TEST(CaptureImagesTest, ShippedRowsAreTheLiveRowsWhenTheSessionOverflows) {
  RunImages(150'000, 302);
}

}  // namespace
}  // namespace coven::testing
