#include "engine/flush_parts.h"

namespace coven::engine {

void PartWriter::Table(const TableSchema& table) {
  if (table_ == &table) return;
  table_ = &table;
  header_written_ = false;
}

void PartWriter::Begin() {
  header_with_record_ = !header_written_;
  if (!header_written_) {
    header_start_ = writer_.size();
    writer_.BeginTable(table_->name, static_cast<int>(table_->columns.size()));
    header_written_ = true;
  }
  record_start_ = writer_.size();
}

changeset::ChangesetWriter& PartWriter::BeginInsert() {
  Begin();
  writer_.BeginInsert();
  return writer_;
}

changeset::ChangesetWriter& PartWriter::BeginDelete() {
  Begin();
  writer_.BeginDelete();
  return writer_;
}

Status PartWriter::End(const Hlc& stamp) {
  ++rows_;
  if (part_rows_ > 0 && writer_.size() > target_) {
    // This record does not fit: the part ends before it (and before the
    // table header it wrote, if any) and the record starts the next part.
    CapturedPart part;
    part.changeset =
        header_with_record_
            ? writer_.SplitAt(header_start_, 1, /*repeat_header=*/false)
            : writer_.SplitAt(record_start_, 1, /*repeat_header=*/true);
    part.rows = part_rows_;
    part.hlc_min = part_min_;
    part.hlc_max = part_max_;
    part_rows_ = 0;
    ++parts_;
    COVEN_RETURN_IF_ERROR(sink_(std::move(part)));
  }
  if (part_rows_ == 0 || stamp < part_min_) part_min_ = stamp;
  if (part_rows_ == 0 || stamp > part_max_) part_max_ = stamp;
  ++part_rows_;
  return Status::Ok();
}

Status PartWriter::Finish() {
  if (part_rows_ == 0) return Status::Ok();
  CapturedPart part;
  part.changeset = writer_.Finish();
  part.rows = part_rows_;
  part.hlc_min = part_min_;
  part.hlc_max = part_max_;
  part.last = true;
  part_rows_ = 0;
  header_written_ = false;
  ++parts_;
  return sink_(std::move(part));
}

}  // namespace coven::engine
