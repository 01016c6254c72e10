// Fuzzes the apply path: the validation pass every incoming changeset goes
// through, then (if it passes) the LWW apply inside a rolled-back
// transaction, against a database that already holds rows and tombstones.
// Signature checks are bypassed on purpose: this is what a malicious member
// holding the library key could send (reliability.md T9).
#include <sqlite3.h>

#include <cstdint>
#include <memory>

#include "coven/db.h"
#include "coven/testing/manual_clock.h"
#include "db/sql.h"
#include "engine/applier.h"
#include "engine/hlc_clock.h"
#include "engine/table_schema.h"

namespace {

constexpr std::uint64_t kAuthor = 0x0102030405060708ULL;

constexpr const char* kSchema = R"sql(
CREATE TABLE todos (id TEXT PRIMARY KEY, title TEXT NOT NULL,
  completed INTEGER NOT NULL DEFAULT 0, _updated_at TEXT NOT NULL);
CREATE TABLE todo_notes (id TEXT PRIMARY KEY,
  todo_id TEXT NOT NULL REFERENCES todos(id) ON DELETE CASCADE, body TEXT,
  _updated_at TEXT NOT NULL);
INSERT INTO todos VALUES ('t1', 'one', 0, '001700000000000-00000-0000000000000009');
INSERT INTO todo_notes VALUES ('n1', 't1', 'x', '001700000000000-00001-0000000000000009');
INSERT INTO _coven_tombstones VALUES ('todos', 't2', '001700000000005-00000-0000000000000009');
)sql";

struct World {
  sqlite3* db = nullptr;
  std::shared_ptr<coven::testing::ManualClock> clock;
  std::unique_ptr<coven::engine::HlcClock> hlc;
  std::vector<coven::engine::TableSchema> tables;
  coven::engine::StampContext stamps;
  std::unique_ptr<coven::engine::Applier> applier;

  World() {
    sqlite3_open(":memory:", &db);
    coven::db::Exec(db, coven::db::MIGRATION_SQL).IgnoreError();
    coven::db::Exec(db, kSchema).IgnoreError();
    clock = std::make_shared<coven::testing::ManualClock>(1'700'000'100'000);
    hlc = std::make_unique<coven::engine::HlcClock>(clock, 9, 300'000);
    tables = *coven::engine::LoadSyncedSchema(db, {"todos", "todo_notes"});
    applier = std::make_unique<coven::engine::Applier>(db, &tables, &stamps,
                                                       hlc.get());
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  static World* world = new World();
  coven::ByteView input(data, size);
  coven::Hlc lo;
  coven::Hlc hi{coven::Hlc::kMaxMillis, 0xffff, ~0ULL};
  if (!world->applier->Validate(input, kAuthor, lo, hi).ok()) return 0;
  if (!coven::db::Exec(world->db, "BEGIN").ok()) return 0;
  auto applied = world->applier->Apply(input);
  if (applied.ok()) {
    // Parked rows and rows held by a constraint clash, as after a real apply.
    std::vector<coven::changeset::RowChange> changes;
    std::vector<std::string> notes;
    world->applier->Reconcile(true, &changes, &notes).IgnoreError();
  }
  coven::db::Exec(world->db, "ROLLBACK").IgnoreError();
  return 0;
}
