// Row-level change events: what an application hears when synced rows change.
#ifndef COVEN_CHANGESET_H_
#define COVEN_CHANGESET_H_

#include <optional>
#include <string>

namespace coven::changeset {

/// One row that changed, locally (captured) or remotely (applied).
struct RowChange {
  enum class Op { kUpsert, kDelete };
  std::string table;
  std::string id;  ///< The row's primary key (`id` column).
  Op op = Op::kUpsert;
  std::string updated_at;  ///< HLC text of the winning write or deletion.
  bool remote = false;     ///< True when applied from another device.

  /// The primary key, as in the reference API (`change.pk()`).
  std::optional<std::string> pk() const { return id; }
};

}  // namespace coven::changeset

#endif  // COVEN_CHANGESET_H_
