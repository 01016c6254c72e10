// Applier::Validate: the iterator pass every incoming changeset goes through
// before SQLite's apply sees it.
#include <algorithm>

#include "changeset/changeset_iter.h"
#include "engine/applier.h"

namespace coven::engine {

namespace {
Status Bad(const std::string& what) {
  return InvalidArgumentError("invalid changeset: " + what);
}

// Reads a varint as SQLite's session module does (big-endian groups of seven
// bits, the ninth byte whole). False if the data ends first.
bool ReadVarint(ByteView data, std::size_t* pos, std::uint64_t* out) {
  std::uint64_t v = 0;
  for (int i = 0; i < 9; ++i) {
    if (*pos >= data.size()) return false;
    const std::uint8_t b = data[(*pos)++];
    if (i == 8) {
      v = v << 8 | b;
      break;
    }
    v = v << 7 | (b & 0x7f);
    if ((b & 0x80) == 0) break;
  }
  *out = v;
  return true;
}

// Walks the changeset framing with every length checked against the bytes
// left, before SQLite's iterator sees it: SQLite 3.40.1's
// sqlite3changeset_next never returns on a table header cut off before the
// NUL ending its name (a valid changeset followed by a lone 'T' is enough),
// and reads past the end of a header cut inside its column count. Accepts
// only what coven writes: 'T' sections of INSERT and DELETE records.
Status CheckFraming(ByteView data) {
  std::uint64_t ncol = 0;
  std::size_t pos = 0;
  std::size_t at = 0;
  auto bad = [&](const std::string& what) {
    return Bad(what + " at byte " + std::to_string(at));
  };
  while (pos < data.size()) {
    at = pos;
    const std::uint8_t kind = data[pos++];
    if (kind == 'P') return bad("patchset section (patchsets are refused)");
    if (kind == 'T') {
      if (!ReadVarint(data, &pos, &ncol)) return bad("table header cut off");
      if (ncol == 0 || ncol > 65536) {
        return bad("table header declaring " + std::to_string(ncol) +
                   " columns");
      }
      const auto nul =
          data.size() - pos < ncol
              ? data.end()
              : std::find(data.begin() + pos + ncol, data.end(), 0);
      if (nul == data.end()) {
        return bad("table header cut off (its name has no end)");
      }
      pos = static_cast<std::size_t>(nul - data.begin()) + 1;
      continue;
    }
    if (ncol == 0) return bad("record before any table header");
    if (kind != SQLITE_INSERT && kind != SQLITE_DELETE) {
      return bad("record kind " + std::to_string(kind) +
                 " (only whole-row INSERT and DELETE records are accepted)");
    }
    if (pos++ >= data.size()) return bad("record cut off");  // indirect flag
    for (std::uint64_t c = 0; c < ncol; ++c) {
      if (pos >= data.size()) return bad("record cut off");
      const std::uint8_t type = data[pos++];
      std::uint64_t length = 0;
      switch (type) {
        case 0:  // undefined: the iterator pass names the column
        case SQLITE_NULL:
          break;
        case SQLITE_INTEGER:
        case SQLITE_FLOAT:
          if (data.size() - pos < 8) return bad("record cut off");
          pos += 8;
          break;
        case SQLITE_TEXT:
        case SQLITE_BLOB:
          if (!ReadVarint(data, &pos, &length) || length > data.size() - pos) {
            return bad("record cut off");
          }
          pos += length;
          break;
        default:
          return bad("value of unknown type " + std::to_string(type));
      }
    }
  }
  return Status::Ok();
}
}  // namespace

Status Applier::Validate(ByteView data, std::uint64_t author,
                         const Hlc& hlc_min, const Hlc& hlc_max) {
  validated_deletes_ = SIZE_MAX;
  validated_touches_foreign_keys_ = true;
  if (data.empty()) return Bad("empty");
  // Changesets only: a patchset ('P') lacks the old values LWW needs.
  if (data[0] != 'T') return Bad("not a changeset (patchsets are refused)");
  COVEN_RETURN_IF_ERROR(CheckFraming(data));
  changeset::ChangesetIter it(data);
  std::size_t records = 0;
  std::size_t deletes = 0;
  bool touches_foreign_keys = false;
  bool too_far_ahead = false;
  Hlc newest;
  while (true) {
    COVEN_ASSIGN_OR_RETURN(bool row, it.Next());
    if (!row) break;
    ++records;
    if (it.op() == SQLITE_DELETE) ++deletes;
    const TableSchema* table = Find(it.table());
    if (table == nullptr) {
      return Bad(std::string("table `") + it.table() + "` is not synced here");
    }
    touches_foreign_keys |= table->has_foreign_keys || table->is_parent;
    const int ncol = static_cast<int>(table->columns.size());
    if (it.columns() != ncol) {
      return Bad("table `" + table->name + "` has " + std::to_string(ncol) +
                 " columns here but " + std::to_string(it.columns()) +
                 " in the changeset");
    }
    unsigned char* pk_flags = nullptr;
    int pk_count = 0;
    sqlite3changeset_pk(it.get(), &pk_flags, &pk_count);
    for (int c = 0; c < pk_count; ++c) {
      if ((pk_flags[c] != 0) != (c == 0)) {
        return Bad("table `" + table->name + "`: primary key is not column 0");
      }
    }
    const bool insert = it.op() == SQLITE_INSERT;
    if (!insert && it.op() != SQLITE_DELETE) {
      return Bad("record kind " + std::to_string(it.op()) +
                 " (only whole-row INSERT and DELETE records are accepted)");
    }
    for (int c = 0; c < ncol; ++c) {
      sqlite3_value* v = insert ? it.New(c) : it.Old(c);
      if (v == nullptr) {
        return Bad("table `" + table->name + "`: column " +
                   table->columns[c].name + " is undefined");
      }
      if (c == 0 && sqlite3_value_type(v) != SQLITE_TEXT) {
        return Bad("table `" + table->name + "`: id is not TEXT");
      }
      if (c == table->updated_at) {
        if (sqlite3_value_type(v) != SQLITE_TEXT) {
          return Bad("table `" + table->name + "`: _updated_at is not TEXT");
        }
        auto stamp = Hlc::FromText(changeset::ValueToText(v));
        if (!stamp) {
          return Bad("table `" + table->name + "`: _updated_at `" +
                     changeset::ValueToText(v).substr(0, 40) +
                     "` is not an HLC stamp");
        }
        if (stamp->device != author) {
          return Bad("a stamp of device " + DeviceIdToHex(stamp->device) +
                     " inside an object of device " + DeviceIdToHex(author));
        }
        if (*stamp < hlc_min || *stamp > hlc_max) {
          return Bad("stamp " + stamp->ToText() +
                     " outside the object's declared range");
        }
        if (!hlc_->WithinDrift(*stamp)) too_far_ahead = true;
        if (*stamp > newest) newest = *stamp;
      }
    }
  }
  if (records == 0) return Bad("no records");
  validated_deletes_ = deletes;
  validated_records_ = records;
  validated_newest_ = newest;
  validated_touches_foreign_keys_ = touches_foreign_keys;
  if (too_far_ahead) return hlc_->Observe(newest);
  return Status::Ok();
}

}  // namespace coven::engine
