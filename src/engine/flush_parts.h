// Splits what one flush ships into parts: changesets of whole records, each
// at most a target size (one oversized row makes a part of its own), handed
// to a sink one at a time so that a flush of any size holds one part in
// memory (docs/capture.md, "Flushes of any size").
//
// Thread safety: none.
#ifndef COVEN_ENGINE_FLUSH_PARTS_H_
#define COVEN_ENGINE_FLUSH_PARTS_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "changeset/changeset_writer.h"
#include "coven/bytes.h"
#include "coven/hlc.h"
#include "coven/status.h"
#include "engine/table_schema.h"

namespace coven::engine {

/// One object's worth of a flush.
struct CapturedPart {
  Bytes changeset;
  std::size_t rows = 0;
  Hlc hlc_min;
  Hlc hlc_max;
  bool last = false;  ///< The flush ends with this part.
};

/// Default size of each part's changeset: memory does not depend on
/// max_object_bytes, and a part seals to well under the 64 MiB default.
inline constexpr std::size_t kDefaultPartBytes = std::size_t{4} << 20;

class PartWriter {
 public:
  using Sink = std::function<Status(CapturedPart part)>;
  PartWriter(std::size_t target_bytes, Sink sink)
      : target_(target_bytes), sink_(std::move(sink)) {}

  /// The table of the records that follow (its header is written before its
  /// first record, so tables without records leave no trace).
  void Table(const TableSchema& table);
  /// Starts a record of the current table; add every column's value to the
  /// returned writer, then call End with the record's stamp.
  changeset::ChangesetWriter& BeginInsert();
  changeset::ChangesetWriter& BeginDelete();
  /// Ends the record; hands the previous part to the sink when this record
  /// takes the current part past the target size.
  Status End(const Hlc& stamp);
  /// Hands the last part to the sink (nothing when no record was written).
  Status Finish();

  std::size_t rows() const { return rows_; }
  std::size_t parts() const { return parts_; }
  std::vector<std::string>& warnings() { return warnings_; }

 private:
  void Begin();

  std::size_t target_;
  Sink sink_;
  changeset::ChangesetWriter writer_;
  const TableSchema* table_ = nullptr;
  bool header_written_ = false;
  std::size_t record_start_ = 0;
  bool header_with_record_ = false;  // this record wrote the table header
  std::size_t header_start_ = 0;
  std::size_t part_rows_ = 0;
  Hlc part_min_, part_max_;
  std::size_t rows_ = 0;
  std::size_t parts_ = 0;
  std::vector<std::string> warnings_;
};

}  // namespace coven::engine

#endif  // COVEN_ENGINE_FLUSH_PARTS_H_
