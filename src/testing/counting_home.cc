#include "coven/testing/counting_home.h"

namespace coven::testing {

void CountingHome::Count(std::uint64_t CallCounts::*field, std::string_view op,
                         std::string_view path) {
  const std::string_view folder = path.substr(0, path.find('/'));
  std::lock_guard<std::mutex> lock(mutex_);
  ++(counts_.*field);
  ++counts_.by_folder[std::string(op) + " " + std::string(folder)];
}

Status CountingHome::Create(std::string_view path, ByteView data) {
  Count(&CallCounts::creates, "create", path);
  return inner_->Create(path, data);
}

Status CountingHome::Replace(std::string_view path, ByteView data) {
  Count(&CallCounts::replaces, "replace", path);
  return inner_->Replace(path, data);
}

Result<Bytes> CountingHome::Get(std::string_view path,
                                std::uint64_t max_bytes) {
  Count(&CallCounts::gets, "get", path);
  return inner_->Get(path, max_bytes);
}

Result<Bytes> CountingHome::GetRange(std::string_view path,
                                     std::uint64_t offset,
                                     std::uint64_t length) {
  Count(&CallCounts::get_ranges, "get_range", path);
  return inner_->GetRange(path, offset, length);
}

Result<home::ListPage> CountingHome::List(std::string_view prefix,
                                          std::string_view start_after,
                                          std::size_t max_keys) {
  Count(&CallCounts::lists, "list", prefix);
  return inner_->List(prefix, start_after, max_keys);
}

Status CountingHome::Delete(std::string_view path) {
  Count(&CallCounts::deletes, "delete", path);
  return inner_->Delete(path);
}

CallCounts CountingHome::counts() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return counts_;
}

void CountingHome::Reset() {
  std::lock_guard<std::mutex> lock(mutex_);
  counts_ = CallCounts();
}

}  // namespace coven::testing
