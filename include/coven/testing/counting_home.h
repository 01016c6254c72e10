// CountingHome: a home wrapper that counts the calls made through it, by
// operation and by top-level folder ("log", "heads", ...), to measure what a
// sync round costs (bench and efficiency tests). It changes nothing else.
//
// Thread safety: every member function may be called concurrently.
#ifndef COVEN_TESTING_COUNTING_HOME_H_
#define COVEN_TESTING_COUNTING_HOME_H_

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "coven/home.h"

namespace coven::testing {

/// Calls per operation; `by_folder` is keyed "<op> <folder>", e.g.
/// "get log", "list heads".
struct CallCounts {
  std::uint64_t creates = 0, replaces = 0, gets = 0, get_ranges = 0, lists = 0,
                deletes = 0;
  std::map<std::string, std::uint64_t> by_folder;
  std::uint64_t total() const {
    return creates + replaces + gets + get_ranges + lists + deletes;
  }
};

class CountingHome final : public home::Home {
 public:
  /// Wraps `inner` (shared ownership; must not be null).
  explicit CountingHome(home::HomeRef inner) : inner_(std::move(inner)) {}

  /// Each forwards to the wrapped home and returns what it returns.
  Status Create(std::string_view path, ByteView data) override;
  Status Replace(std::string_view path, ByteView data) override;
  Result<Bytes> Get(std::string_view path, std::uint64_t max_bytes) override;
  Result<Bytes> GetRange(std::string_view path, std::uint64_t offset,
                         std::uint64_t length) override;
  Result<home::ListPage> List(std::string_view prefix,
                              std::string_view start_after,
                              std::size_t max_keys) override;
  Status Delete(std::string_view path) override;
  /// The wrapped home's.
  home::Capabilities capabilities() const override {
    return inner_->capabilities();
  }
  /// "counting <wrapped home's description>".
  std::string Describe() const override {
    return "counting " + inner_->Describe();
  }

  /// A snapshot of the counts.
  CallCounts counts() const;
  /// Sets every count to zero.
  void Reset();

 private:
  void Count(std::uint64_t CallCounts::*field, std::string_view op,
             std::string_view path);

  home::HomeRef inner_;
  mutable std::mutex mutex_;
  CallCounts counts_;  // Guarded by mutex_.
};

}  // namespace coven::testing

// Transitional: the test doubles lived in coven::home before they were
// gathered in coven::testing. New code names coven::testing.
namespace coven::home {
using testing::CallCounts;
using testing::CountingHome;
}  // namespace coven::home

#endif  // COVEN_TESTING_COUNTING_HOME_H_
