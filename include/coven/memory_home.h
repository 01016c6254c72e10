// MemoryHome: a home kept in process memory, for tests and examples.
//
// Objects live in an ordered map guarded by one mutex, so listings come back
// in byte order of path with real paging (max_keys, truncated, start_after),
// exactly like a remote home. Nothing is persisted: the objects disappear
// with the last reference to the home. Several libraries in one process can
// share one MemoryHome to simulate several devices syncing through it.
//
// Besides the Home interface it offers test helpers that a real home would
// never allow: Corrupt() tampers with a stored object and PutRaw() stores
// bytes under any path regardless of create-once, to simulate a hostile or
// broken home.
//
// Thread safety: every member function may be called concurrently.
#ifndef COVEN_MEMORY_HOME_H_
#define COVEN_MEMORY_HOME_H_

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "coven/bytes.h"
#include "coven/home.h"
#include "coven/status.h"

namespace coven::home {

/// An in-memory Home. Create it with MemoryHome::Create().
class MemoryHome final : public Home {
 public:
  /// Returns a new, empty home. Never fails.
  static std::shared_ptr<MemoryHome> Create();

  MemoryHome(const MemoryHome&) = delete;
  MemoryHome& operator=(const MemoryHome&) = delete;

  /// See Home::Create. kInvalidArgument for an invalid path, kAlreadyExists
  /// if the path is occupied (the stored bytes stay unchanged).
  Status Create(std::string_view path, ByteView data) override;
  /// See Home::Replace. kInvalidArgument for an invalid path.
  Status Replace(std::string_view path, ByteView data) override;
  /// See Home::Get. Returns a copy of the stored bytes; kNotFound if absent,
  /// kResourceExhausted if they are more than `max_bytes` (nothing copied).
  Result<Bytes> Get(std::string_view path, std::uint64_t max_bytes) override;
  /// See Home::GetRange. kNotFound if absent, kOutOfRange if
  /// `offset + length` exceeds the object's size.
  Result<Bytes> GetRange(std::string_view path, std::uint64_t offset,
                         std::uint64_t length) override;
  /// See Home::List. Returns at most `max_keys` objects (kInvalidArgument if
  /// it is 0 or the prefix cannot start a valid path).
  Result<ListPage> List(std::string_view prefix, std::string_view start_after,
                        std::size_t max_keys) override;
  /// See Home::Delete. Deleting an absent object returns OK.
  Status Delete(std::string_view path) override;
  /// All capabilities are native.
  Capabilities capabilities() const override { return Capabilities{}; }
  /// Returns "memory home".
  std::string Describe() const override;

  /// Test helper: the number of stored objects.
  std::size_t object_count() const;

  /// Test helper: calls `mutate` on the stored bytes of `path` (under the
  /// home's lock; `mutate` must not call back into this home). Returns
  /// kNotFound if there is no object at `path`.
  Status Corrupt(std::string_view path, std::function<void(Bytes&)> mutate);

  /// Test helper: stores `data` at `path`, replacing anything there and
  /// ignoring create-once. `path` is NOT validated, so a test can plant
  /// objects a hostile home might list. Always returns OK.
  Status PutRaw(std::string_view path, ByteView data);

 private:
  MemoryHome() = default;

  mutable std::mutex mutex_;
  std::map<std::string, Bytes, std::less<>> objects_;  // Guarded by mutex_.
};

}  // namespace coven::home

#endif  // COVEN_MEMORY_HOME_H_
