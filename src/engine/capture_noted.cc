// Capture: the preupdate hook that notes written keys, and shipping the
// rows it noted.
#include <algorithm>
#include <cstring>

#include "engine/capture.h"
#include "engine/capture_internal.h"

namespace coven::engine {

using capture_internal::NotTextWarning;
using capture_internal::ValueText;
using capture_internal::WriteRow;

namespace {

// What the writes to one key since Attach were (NoteFlags, or'ed).
enum NoteFlags : std::uint8_t {
  kStamped = 1,    // left the row with an own stamp above floor_
  kUnstamped = 2,  // left it otherwise, or deleted it
  kStampKept = 4,  // an UPDATE that left `_updated_at` alone
};

// Memory of one noted key besides its bytes (string, node, bucket).
constexpr std::size_t kKeyOverhead = 80;
// Warnings about ids that are not TEXT kept per flush.
constexpr std::size_t kMaxNotedWarnings = 16;
// Fresh stamps above which the flush may scan instead of looking them up:
// when they are more than a quarter of the rows.
constexpr std::size_t kMinScanKeys = 1024;

bool SameValue(sqlite3_value* a, sqlite3_value* b) {
  const int type = sqlite3_value_type(a);
  if (type != sqlite3_value_type(b)) return false;
  if (type == SQLITE_NULL) return true;
  const int n = sqlite3_value_bytes(a);
  if (n != sqlite3_value_bytes(b)) return false;
  const void* pa = type == SQLITE_BLOB
                       ? sqlite3_value_blob(a)
                       : static_cast<const void*>(sqlite3_value_text(a));
  const void* pb = type == SQLITE_BLOB
                       ? sqlite3_value_blob(b)
                       : static_cast<const void*>(sqlite3_value_text(b));
  return n == 0 || std::memcmp(pa, pb, static_cast<std::size_t>(n)) == 0;
}

}  // namespace

void Capture::Hook(void* self, sqlite3*, int op, const char* db_name,
                   const char* table, sqlite3_int64, sqlite3_int64) {
  auto* capture = static_cast<Capture*>(self);
  if (!capture->recording_ || std::strcmp(db_name, "main") != 0) return;
  capture->Note(op, table);
}

void Capture::Note(int op, const char* name) {
  std::size_t t = 0;
  while (t < tables_.size() && tables_[t].name != name) ++t;
  if (t == tables_.size()) return;
  touched_ = true;
  if (overflowed_) return;
  const int stamp_col = tables_[t].updated_at;
  sqlite3_value* old_id = nullptr;
  sqlite3_value* new_id = nullptr;
  if (op != SQLITE_INSERT) sqlite3_preupdate_old(db_, 0, &old_id);
  if (op != SQLITE_DELETE) sqlite3_preupdate_new(db_, 0, &new_id);
  if (op == SQLITE_DELETE) {
    if (old_id != nullptr) NoteKey(t, old_id, kUnstamped);
    return;
  }
  if (new_id == nullptr) return;
  // Left with an own stamp above floor_: the stamp scan would find it.
  sqlite3_value* stamp = nullptr;
  sqlite3_preupdate_new(db_, stamp_col, &stamp);
  bool fresh = false;
  if (stamp != nullptr && sqlite3_value_type(stamp) == SQLITE_TEXT) {
    const auto* text = reinterpret_cast<const char*>(sqlite3_value_text(stamp));
    std::optional<Hlc> h = Hlc::FromText(std::string_view(
        text, static_cast<std::size_t>(sqlite3_value_bytes(stamp))));
    fresh = h && h->device == hlc_->device() && floor_ < *h;
  }
  std::uint8_t flags = fresh ? kStamped : kUnstamped;
  if (op == SQLITE_UPDATE) {
    if (old_id != nullptr && !SameValue(old_id, new_id)) {
      NoteKey(t, old_id, kUnstamped);  // the old key is gone
    }
    sqlite3_value* old_stamp = nullptr;
    sqlite3_preupdate_old(db_, stamp_col, &old_stamp);
    if (!fresh && old_stamp != nullptr && stamp != nullptr &&
        SameValue(old_stamp, stamp)) {
      flags |= kStampKept;
    }
  }
  NoteKey(t, new_id, flags);
}

void Capture::NoteKey(std::size_t t, sqlite3_value* id, std::uint8_t flags) {
  if (overflowed_) return;
  if (sqlite3_value_type(id) != SQLITE_TEXT) {
    if (!(flags & kUnstamped) || noted_warnings_.size() >= kMaxNotedWarnings) {
      return;
    }
    std::string warning = NotTextWarning(tables_[t], id);
    if (std::find(noted_warnings_.begin(), noted_warnings_.end(), warning) ==
        noted_warnings_.end()) {
      noted_warnings_.push_back(std::move(warning));
    }
    return;
  }
  const auto* text = reinterpret_cast<const char*>(sqlite3_value_text(id));
  const auto size = static_cast<std::size_t>(sqlite3_value_bytes(id));
  if (flags == kStamped) {
    if (scan_mode_) return;  // the scan finds it
    StampedKeys& keys = stamped_[t];
    keys.bytes.append(text, size);
    keys.ends.push_back(static_cast<std::uint32_t>(keys.bytes.size()));
    noted_bytes_ += size + sizeof(std::uint32_t);
  } else {
    auto [it, inserted] = noted_[t].try_emplace(std::string(text, size), 0);
    it->second |= flags;
    if (!inserted) return;
    noted_bytes_ += size + kKeyOverhead;
  }
  if (noted_bytes_ <= session_limit_ &&
      stamped_[t].bytes.size() < std::uint32_t{0xffffffff} - size) {
    return;
  }
  if (!scan_mode_) {
    // From now on the flush scans for stamps: forget the keys it finds.
    scan_mode_ = true;
    noted_bytes_ = 0;
    for (StampedKeys& keys : stamped_) keys = StampedKeys();
    for (const auto& table : noted_) {
      for (const auto& [key, _] : table) {
        noted_bytes_ += key.size() + kKeyOverhead;
      }
    }
    if (noted_bytes_ <= session_limit_) return;
  }
  // Rows written from now on are found by their stamps only: a row stamped
  // with coven_hlc(), a delete by its tombstone.
  overflowed_ = true;
}

// Scans when the hook stopped noting stamped keys, or when they are many
// against the size of the tables (a sequential scan then reads less than the
// lookups). The size is estimated from max(rowid); a WITHOUT ROWID table has
// none, and then only the hook's bound decides.
Result<bool> Capture::ShouldScan() {
  if (scan_mode_ || overflowed_) return true;
  std::size_t stamped = 0;
  for (const StampedKeys& keys : stamped_) stamped += keys.ends.size();
  if (stamped < kMinScanKeys) return false;
  std::int64_t rows = 0;
  for (const TableSchema& table : tables_) {
    Result<db::Stmt> max = db::Stmt::Prepare(
        db_, "SELECT max(rowid) FROM main." + db::QuoteIdentifier(table.name));
    if (!max.ok()) return false;
    COVEN_ASSIGN_OR_RETURN(bool row, max->Step());
    if (row) rows += max->ColumnInt(0);
  }
  return static_cast<std::int64_t>(stamped) * 4 > rows;
}

// Ships the noted rows, except rows shipped already by the scan (`scanned`,
// `covered`) or by the tombstone pass (`check_tombstones`).
Status Capture::ShipNoted(
    bool scanned, const Hlc& tombstone_floor, bool check_tombstones,
    const std::function<bool(const std::string&)>& covered, PartWriter* out) {
  COVEN_ASSIGN_OR_RETURN(db::Stmt put_tomb, db::PrepareTombstoneUpsert(db_));
  for (std::size_t t = 0; t < noted_.size() && t < tables_.size(); ++t) {
    const TableSchema& table = tables_[t];
    // Every key once, in key order (the index is read in order), with the
    // flags of all its writes.
    std::vector<std::pair<std::string_view, std::uint8_t>> keys;
    keys.reserve(noted_[t].size());
    for (const auto& [key, flags] : noted_[t]) keys.emplace_back(key, flags);
    if (!scanned) {
      const StampedKeys& stamped = stamped_[t];
      std::uint32_t begin = 0;
      for (std::uint32_t end : stamped.ends) {
        keys.emplace_back(
            std::string_view(stamped.bytes).substr(begin, end - begin),
            kStamped);
        begin = end;
      }
    }
    std::sort(keys.begin(), keys.end());
    std::size_t unique = 0;
    for (std::size_t i = 0; i < keys.size(); ++i) {
      if (unique > 0 && keys[unique - 1].first == keys[i].first) {
        keys[unique - 1].second |= keys[i].second;
      } else {
        keys[unique++] = keys[i];
      }
    }
    keys.resize(unique);
    COVEN_ASSIGN_OR_RETURN(TableStatements * stmts, Statements(table));
    out->Table(table);
    auto shipped_by_tombstones = [&](const std::string& id) -> Result<bool> {
      COVEN_ASSIGN_OR_RETURN(std::optional<Hlc> tomb, TombstoneOf(table, id));
      return tomb && tomb->device == hlc_->device() && *tomb > tombstone_floor;
    };
    for (const auto& [key, flags] : keys) {
      const std::string id(key);
      stmts->read.Bind(1, id);
      COVEN_ASSIGN_OR_RETURN(bool exists, stmts->read.Step());
      if (!exists) {
        stmts->read.Reset();
        COVEN_ASSIGN_OR_RETURN(std::optional<Hlc> tomb, TombstoneOf(table, id));
        const bool own = tomb && tomb->device == hlc_->device();
        if (own && *tomb > tombstone_floor) continue;  // shipped
        if (!(flags & kUnstamped)) continue;           // inserted, then deleted
        Hlc stamp;
        if (own) {
          stamp = *tomb;
        } else {
          // Deleted without our trigger (or over a remote stamp that this
          // local delete must supersede): stamp it now.
          stamp = hlc_->Now();
          put_tomb.Bind(1, table.name).Bind(2, id).Bind(3, stamp.ToText());
          COVEN_RETURN_IF_ERROR(put_tomb.Run());
        }
        changeset::ChangesetWriter& w = out->BeginDelete();
        for (int c = 0; c < static_cast<int>(table.columns.size()); ++c) {
          if (c == 0) {
            w.AddText(id);
          } else if (c == table.updated_at) {
            w.AddText(stamp.ToText());
          } else {
            w.AddNull();
          }
        }
        COVEN_RETURN_IF_ERROR(out->End(stamp));
        continue;
      }
      const std::string current =
          ValueText(stmts->read.ColumnValue(table.updated_at));
      bool skip = covered(current);
      if (!skip && check_tombstones) {
        Result<bool> done = shipped_by_tombstones(id);
        if (!done.ok()) {
          stmts->read.Reset();
          return done.status();
        }
        skip = *done;
      }
      if (skip) {
        stmts->read.Reset();
        continue;
      }
      // A row-level LWW needs a fresh stamp on every write: restamp an
      // update that left the stamp alone, and rows stamped elsewhere.
      std::optional<Hlc> stamp = OwnStamp(current);
      const bool restamp =
          !stamp || ((flags & kStampKept) && !(flags & kStamped));
      if (restamp) stamp = hlc_->Now();
      WriteRow(out->BeginInsert(), table, stamp->ToText(),
               [&](int c) { return stmts->read.ColumnValue(c); });
      stmts->read.Reset();
      COVEN_RETURN_IF_ERROR(out->End(*stamp));
      if (restamp) {
        stmts->restamp.Bind(1, stamp->ToText()).Bind(2, id);
        COVEN_RETURN_IF_ERROR(stmts->restamp.Run());
      }
    }
  }
  return Status::Ok();
}

}  // namespace coven::engine
