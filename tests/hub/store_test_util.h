// The store suite's fixture: every TEST_P runs on SQLite and on a real
// PostgreSQL 15 (tests/hub/postgres_server.h), each test on a fresh
// database or directory with space kSpace created.
#ifndef COVEN_TESTS_HUB_STORE_TEST_UTIL_H_
#define COVEN_TESTS_HUB_STORE_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "hub/postgres_server.h"
#include "hub/store/store.h"

namespace coven::hub::store::testing {

inline Status StatusOf(const Status& status) { return status; }
template <typename T>
Status StatusOf(const Result<T>& result) {
  return result.status();
}

/// Asserts that a Status or Result is OK, printing it otherwise.
#define ASSERT_STORE_OK(expr)                                            \
  do {                                                                   \
    const auto& store_ok_ = (expr);                                      \
    ASSERT_TRUE(store_ok_.ok())                                          \
        << ::coven::hub::store::testing::StatusOf(store_ok_).ToString(); \
  } while (0)

enum class Backend { kSqlite, kPostgres };
inline void PrintTo(Backend backend, std::ostream* out) {
  *out << (backend == Backend::kSqlite ? "sqlite" : "postgres");
}

inline constexpr const char* kSpace = "space-1";

/// Deterministic object bytes; `variant` changes them (a fork).
Bytes ObjectBytes(std::uint64_t author, std::uint64_t seq, int variant = 0,
                  std::size_t size = 40);
/// A LogPush that owns the bytes its objects point to (a LogObject holds a
/// view). Moves keep the views valid; copies are refused.
struct TestPush : LogPush {
  TestPush() = default;
  TestPush(TestPush&&) = default;
  TestPush& operator=(TestPush&&) = default;
  TestPush(const TestPush&) = delete;
  TestPush& operator=(const TestPush&) = delete;

  /// Appends an object of seq `seq` holding `data`.
  void Add(std::uint64_t seq, Bytes data);
  /// Replaces object `i`'s bytes.
  void SetData(std::size_t i, Bytes data);
  /// Object `i`'s bytes, to change in place.
  Bytes& MutableData(std::size_t i);

 private:
  std::vector<Bytes> storage_;  // One per Add or SetData; buffers stay put.
};

/// A push of seqs first..last of `author` in kSpace.
TestPush MakePush(std::uint64_t author, std::uint64_t first, std::uint64_t last,
                  int variant = 0, std::optional<Bytes> head = std::nullopt);
/// 32 bytes of `fill`.
std::array<std::uint8_t, 32> Key32(std::uint8_t fill);
/// The seqs of `objects`, in order.
std::vector<std::uint64_t> SeqsOf(const std::vector<StoredObject>& objects);
/// The head row of `author` in kSpace; kNotFound when it has none.
Result<HeadRow> HeadOf(Store& store, std::uint64_t author);

/// Changes a watcher saw, with a bounded wait for the one expected.
class ChangeLog {
 public:
  std::function<void(const Change&)> Watcher();
  /// Waits (at most `timeout`) until a change matching `match` arrived.
  bool WaitFor(const std::function<bool(const Change&)>& match,
               std::chrono::milliseconds timeout = std::chrono::seconds(20));

 private:
  std::mutex mutex_;
  std::condition_variable arrived_;
  std::vector<Change> changes_;
};

/// PostgreSQL-only suites: a fresh database on the tests' shared server.
class HubPostgresDatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override;

  hub::testing::PostgresServer* server_ = nullptr;
  std::string url_;
};

class HubStoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override;
  void TearDown() override;

  bool postgres() const { return GetParam() == Backend::kPostgres; }
  /// Another store on the same database or directory: a second hub
  /// process.
  Result<StoreRef> OpenAnother(std::size_t connections = 4);
  /// Every object of `author` in kSpace, read page by page.
  std::vector<StoredObject> PullAll(Store& store, std::uint64_t author);

  StoreRef store_;
  hub::testing::PostgresServer* server_ = nullptr;
  std::string url_;
  std::string dir_;
};

}  // namespace coven::hub::store::testing

#endif  // COVEN_TESTS_HUB_STORE_TEST_UTIL_H_
