// The Home conformance suite: behaviour every home must show.
//
// The cases (home_conformance.cc) are value-parameterised GoogleTest tests of
// the fixture HomeConformanceTest; the parameter is a factory that returns a
// fresh, empty home for each case. A home's test file instantiates the suite
// with one line:
//
//   COVEN_HOME_CONFORMANCE(S3, [] { return MakeFreshS3Home(); });
//
// which registers tests named "S3/HomeConformanceTest.<Case>/S3". The factory
// may return a HomeRef with a custom deleter to clean up (e.g. remove a
// temporary directory) when the case ends. Cases that need a capability the
// home lacks (Capabilities) are skipped, not failed.
#ifndef COVEN_TESTS_HOME_CONFORMANCE_H_
#define COVEN_TESTS_HOME_CONFORMANCE_H_

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "coven/home.h"

namespace coven::home::conformance {

/// Makes fresh, empty homes for the conformance cases.
struct HomeFactory {
  std::string name;  ///< Test-name suffix: [A-Za-z0-9_] only.
  std::function<HomeRef()> make_fresh_home;
};

inline void PrintTo(const HomeFactory& factory, std::ostream* out) {
  *out << factory.name;
}

/// The fixture: `home()` is a fresh home made by the parameter's factory.
class HomeConformanceTest : public ::testing::TestWithParam<HomeFactory> {
 protected:
  void SetUp() override {
    home_ = GetParam().make_fresh_home();
    ASSERT_NE(home_, nullptr)
        << "factory " << GetParam().name << " returned no home";
  }
  void TearDown() override { home_.reset(); }

  Home& home() { return *home_; }
  const HomeRef& home_ref() { return home_; }

 private:
  HomeRef home_;
};

/// `size` pseudo-random bytes from `seed` (xorshift), the same every run.
inline Bytes Pattern(std::size_t size, std::uint64_t seed) {
  Bytes out(size);
  std::uint64_t x = seed * 0x9e3779b97f4a7c15ULL + 1;
  for (std::uint8_t& b : out) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    b = static_cast<std::uint8_t>(x);
  }
  return out;
}

/// The paths of `objects`, in order.
inline std::vector<std::string> Paths(const std::vector<ObjectInfo>& objects) {
  std::vector<std::string> out;
  for (const ObjectInfo& o : objects) out.push_back(o.path);
  return out;
}

}  // namespace coven::home::conformance

/// Runs the conformance suite on homes made by `factory_expr` (a callable
/// returning coven::home::HomeRef). `prefix` names the instantiation. Use at
/// namespace scope.
#define COVEN_HOME_CONFORMANCE(prefix, factory_expr)                       \
  using ::coven::home::conformance::HomeConformanceTest;                   \
  INSTANTIATE_TEST_SUITE_P(                                                \
      prefix, HomeConformanceTest,                                         \
      ::testing::Values(                                                   \
          ::coven::home::conformance::HomeFactory{#prefix, factory_expr}), \
      [](const ::testing::TestParamInfo<                                   \
          ::coven::home::conformance::HomeFactory>& info) {                \
        return info.param.name;                                            \
      })

#endif  // COVEN_TESTS_HOME_CONFORMANCE_H_
