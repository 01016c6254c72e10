// Limits for tests that read a home directly: larger than anything a test
// stores (every read and listing of a home names a limit).
#ifndef COVEN_TESTS_HOME_TEST_LIMITS_H_
#define COVEN_TESTS_HOME_TEST_LIMITS_H_

#include <cstddef>
#include <cstdint>

namespace coven {

/// A Get limit no test object reaches.
inline constexpr std::uint64_t kTestMaxRead = 1ull << 30;
/// A ListAll limit no test listing reaches.
inline constexpr std::size_t kTestMaxList = 1'000'000;

}  // namespace coven

#endif  // COVEN_TESTS_HOME_TEST_LIMITS_H_
