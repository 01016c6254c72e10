// Applier::Validate: the iterator pass every incoming changeset goes through
// before SQLite's apply sees it.
#include "changeset/changeset_iter.h"
#include "engine/applier.h"

namespace coven::engine {

namespace {
Status Bad(const std::string& what) {
  return InvalidArgumentError("invalid changeset: " + what);
}
}  // namespace

Status Applier::Validate(ByteView data, std::uint64_t author,
                         const Hlc& hlc_min, const Hlc& hlc_max) {
  if (data.empty()) return Bad("empty");
  // Changesets only: a patchset ('P') lacks the old values LWW needs.
  if (data[0] != 'T') return Bad("not a changeset (patchsets are refused)");
  changeset::ChangesetIter it(data);
  std::size_t records = 0;
  bool too_far_ahead = false;
  Hlc newest;
  while (true) {
    COVEN_ASSIGN_OR_RETURN(bool row, it.Next());
    if (!row) break;
    ++records;
    const TableSchema* table = Find(it.table());
    if (table == nullptr) {
      return Bad(std::string("table `") + it.table() + "` is not synced here");
    }
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
  if (too_far_ahead) return hlc_->Observe(newest);
  return Status::Ok();
}

}  // namespace coven::engine
