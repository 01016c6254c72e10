// Applier::Validate: the pass every incoming changeset goes through before
// SQLite's apply sees it. It reads the bytes itself, never through SQLite's
// iterator (faster, and SQLite 3.40.1's iterator misreads malformed input).
#include <algorithm>
#include <string_view>

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
  // The checks, over the bytes that CheckFraming has just walked (so every
  // length below is known to fit): the same checks, in the same order, as
  // through sqlite3changeset_next, without a sqlite3_value per column.
  std::size_t records = 0;
  std::size_t deletes = 0;
  bool touches_foreign_keys = false;
  bool too_far_ahead = false;
  Hlc newest;
  std::size_t pos = 0;
  std::uint64_t ncol = 0;
  const std::uint8_t* pk_flags = nullptr;
  std::string_view name;
  const TableSchema* table = nullptr;
  while (pos < data.size()) {
    const std::uint8_t kind = data[pos++];
    if (kind == 'T') {
      ReadVarint(data, &pos, &ncol);
      pk_flags = data.data() + pos;
      pos += ncol;
      const std::size_t end = static_cast<std::size_t>(
          std::find(data.begin() + pos, data.end(), 0) - data.begin());
      name = std::string_view(reinterpret_cast<const char*>(data.data()) + pos,
                              end - pos);
      pos = end + 1;
      table = nullptr;
      for (const TableSchema& t : *tables_) {
        if (t.name == name) table = &t;
      }
      continue;
    }
    ++records;
    if (kind == SQLITE_DELETE) ++deletes;
    if (table == nullptr) {
      return Bad("table `" + std::string(name) + "` is not synced here");
    }
    touches_foreign_keys |= table->has_foreign_keys || table->is_parent;
    const int ncols = static_cast<int>(table->columns.size());
    if (ncol != static_cast<std::uint64_t>(ncols)) {
      return Bad("table `" + table->name + "` has " + std::to_string(ncols) +
                 " columns here but " + std::to_string(ncol) +
                 " in the changeset");
    }
    for (int c = 0; c < ncols; ++c) {
      if ((pk_flags[c] != 0) != (c == 0)) {
        return Bad("table `" + table->name + "`: primary key is not column 0");
      }
    }
    ++pos;  // the indirect flag
    for (int c = 0; c < ncols; ++c) {
      const std::uint8_t type = data[pos++];
      std::string_view text;
      if (type == SQLITE_INTEGER || type == SQLITE_FLOAT) {
        pos += 8;
      } else if (type == SQLITE_TEXT || type == SQLITE_BLOB) {
        std::uint64_t length = 0;
        ReadVarint(data, &pos, &length);
        text = std::string_view(
            reinterpret_cast<const char*>(data.data()) + pos, length);
        pos += length;
      }
      if (type == 0) {
        return Bad("table `" + table->name + "`: column " +
                   table->columns[c].name + " is undefined");
      }
      if (c == 0 && type != SQLITE_TEXT) {
        return Bad("table `" + table->name + "`: id is not TEXT");
      }
      if (c == table->updated_at) {
        if (type != SQLITE_TEXT) {
          return Bad("table `" + table->name + "`: _updated_at is not TEXT");
        }
        auto stamp = Hlc::FromText(text);
        if (!stamp) {
          return Bad("table `" + table->name + "`: _updated_at `" +
                     std::string(text.substr(0, 40)) + "` is not an HLC stamp");
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
