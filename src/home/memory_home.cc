#include "coven/memory_home.h"

#include <utility>

namespace coven::home {
namespace {

Status InvalidPath(std::string_view op, std::string_view path) {
  return InvalidArgumentError(
      std::string(op) + " in memory home: \"" + std::string(path) +
      "\" is not a valid home path (lowercase [a-z0-9._-] segments separated "
      "by '/', at most 512 characters)");
}

}  // namespace

std::shared_ptr<MemoryHome> MemoryHome::Create() {
  return std::shared_ptr<MemoryHome>(new MemoryHome());
}

Status MemoryHome::Create(std::string_view path, ByteView data) {
  if (!IsValidPath(path)) return InvalidPath("create", path);
  std::lock_guard<std::mutex> lock(mutex_);
  auto [it, inserted] =
      objects_.try_emplace(std::string(path), data.begin(), data.end());
  if (!inserted) {
    return AlreadyExistsError("create " + std::string(path) +
                              " in memory home: an object already exists");
  }
  return Status::Ok();
}

Status MemoryHome::Replace(std::string_view path, ByteView data) {
  if (!IsValidPath(path)) return InvalidPath("replace", path);
  Bytes copy(data.begin(), data.end());
  std::lock_guard<std::mutex> lock(mutex_);
  objects_.insert_or_assign(std::string(path), std::move(copy));
  return Status::Ok();
}

Result<Bytes> MemoryHome::Get(std::string_view path, std::uint64_t max_bytes) {
  if (!IsValidPath(path)) return InvalidPath("get", path);
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = objects_.find(path);
  if (it == objects_.end()) {
    return NotFoundError("get " + std::string(path) +
                         " in memory home: no such object");
  }
  if (it->second.size() > max_bytes) {
    return TooLargeError(Describe(), path, it->second.size(), max_bytes);
  }
  return it->second;
}

Result<Bytes> MemoryHome::GetRange(std::string_view path, std::uint64_t offset,
                                   std::uint64_t length) {
  if (!IsValidPath(path)) return InvalidPath("get range of", path);
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = objects_.find(path);
  if (it == objects_.end()) {
    return NotFoundError("get range of " + std::string(path) +
                         " in memory home: no such object");
  }
  const Bytes& bytes = it->second;
  if (offset > bytes.size() || length > bytes.size() - offset) {
    return OutOfRangeError("get range of " + std::string(path) +
                           " in memory home: bytes [" + std::to_string(offset) +
                           ", +" + std::to_string(length) +
                           ") pass the end of the " +
                           std::to_string(bytes.size()) + "-byte object");
  }
  return Bytes(bytes.begin() + static_cast<std::ptrdiff_t>(offset),
               bytes.begin() + static_cast<std::ptrdiff_t>(offset + length));
}

Result<ListPage> MemoryHome::List(std::string_view prefix,
                                  std::string_view start_after,
                                  std::size_t max_keys) {
  if (!prefix.empty() && !IsValidPath(std::string(prefix) + "x")) {
    return InvalidArgumentError("list in memory home: prefix \"" +
                                std::string(prefix) +
                                "\" cannot start a valid home path");
  }
  if (max_keys == 0) {
    return InvalidArgumentError("list in memory home: max_keys must be > 0");
  }
  ListPage page;
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = start_after < prefix ? objects_.lower_bound(prefix)
                                 : objects_.upper_bound(start_after);
  for (; it != objects_.end(); ++it) {
    if (!std::string_view(it->first).starts_with(prefix)) break;
    if (page.objects.size() == max_keys) {
      page.truncated = true;
      break;
    }
    page.objects.push_back(ObjectInfo{it->first, it->second.size()});
  }
  return page;
}

Status MemoryHome::Delete(std::string_view path) {
  if (!IsValidPath(path)) return InvalidPath("delete", path);
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = objects_.find(path);
  if (it != objects_.end()) objects_.erase(it);
  return Status::Ok();
}

std::string MemoryHome::Describe() const { return "memory home"; }

std::size_t MemoryHome::object_count() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return objects_.size();
}

Status MemoryHome::Corrupt(std::string_view path,
                           std::function<void(Bytes&)> mutate) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = objects_.find(path);
  if (it == objects_.end()) {
    return NotFoundError("corrupt " + std::string(path) +
                         " in memory home: no such object");
  }
  if (mutate) mutate(it->second);
  return Status::Ok();
}

Status MemoryHome::PutRaw(std::string_view path, ByteView data) {
  Bytes copy(data.begin(), data.end());
  std::lock_guard<std::mutex> lock(mutex_);
  objects_.insert_or_assign(std::string(path), std::move(copy));
  return Status::Ok();
}

}  // namespace coven::home
