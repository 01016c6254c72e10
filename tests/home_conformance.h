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
//
// A home that accepts only the paths of the home layout
// (docs/format/home-layout.md), such as a hub, passes a whole HomeFactory
// with `layout_only` set instead of the callable (the name is set from the
// prefix), e.g. tests/hub/hub_home_conformance_test.cc:
//
//   COVEN_HOME_CONFORMANCE(HubSqlite, HubFactory(SharedHub));
//
// Its cases then write that device's log in order (log/<dev>/1, 2, ...),
// its head, and key wraps where other homes take free-form paths, and skip
// only what such a home cannot do (free-form paths, Delete when `deletes`
// is false), saying why.
#ifndef COVEN_TESTS_HOME_CONFORMANCE_H_
#define COVEN_TESTS_HOME_CONFORMANCE_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "coven/hlc.h"
#include "coven/home.h"
#include "home/home_layout.h"

namespace coven::home::conformance {

/// What a home that accepts only the paths of the home layout lets the
/// cases write: the log of `device` (created in order of seq, from 1, as
/// the layout requires of a device), its head (replaced), and key wraps
/// (keys/<key id hex32>/<recipient hex16>, created once in any order).
struct LayoutOnly {
  std::uint64_t device = 0;  ///< The device the home acts as.
  /// Another home on the same storage acting as the same device (another
  /// connection): the racing creators race from several. Optional.
  std::function<HomeRef(Home& home)> open_again;
};

/// Makes fresh, empty homes for the conformance cases.
struct HomeFactory {
  std::string name;  ///< Test-name suffix: [A-Za-z0-9_] only.
  /// A fresh home; a layout-only one may hold what founding it wrote.
  std::function<HomeRef()> make_fresh_home;
  /// Set for a home that accepts only the layout's paths (a hub).
  std::optional<LayoutOnly> layout_only;
  /// False for a home that never deletes (Delete is kUnimplemented).
  bool deletes = true;
};

inline void PrintTo(const HomeFactory& factory, std::ostream* out) {
  *out << factory.name;
}

/// The factory COVEN_HOME_CONFORMANCE registers: `factory` itself when it is
/// a HomeFactory, else one making homes with the callable `factory`.
template <typename F>
HomeFactory MakeHomeFactory(std::string name, F&& factory) {
  if constexpr (std::is_convertible_v<F, HomeFactory>) {
    HomeFactory out = std::forward<F>(factory);
    out.name = std::move(name);
    return out;
  } else {
    HomeFactory out;
    out.name = std::move(name);
    out.make_fresh_home = std::forward<F>(factory);
    return out;
  }
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

  /// The home's layout, when it accepts only the layout's paths.
  const std::optional<LayoutOnly>& layout_only() const {
    return GetParam().layout_only;
  }
  /// `free_path` on a home that takes any path; on a layout-only home the
  /// `n`-th object of its device's log (a case creates them in order of n).
  std::string ObjectPath(std::string_view free_path, std::uint64_t n) const {
    if (!layout_only()) return std::string(free_path);
    return layout::LogPath(layout_only()->device, n);
  }
  /// `free_prefix`, or the prefix of the layout-only home's log.
  std::string ObjectPrefix(std::string_view free_prefix) const {
    if (!layout_only()) return std::string(free_prefix);
    return layout::LogPrefix(layout_only()->device);
  }
  /// `free_path`, or the head of the layout-only home's device.
  std::string HeadPath(std::string_view free_path) const {
    if (!layout_only()) return std::string(free_path);
    return layout::HeadPath(layout_only()->device);
  }
  /// HeadPath(free_path), ready to be written: a head names a seq of its
  /// device's log, so a layout-only home (a hub) takes it only once the log
  /// has an object; this creates the first (ObjectPath(_, 1)).
  std::string HeadToWrite(std::string_view free_path) {
    if (layout_only()) {
      Status created = home().Create(ObjectPath("", 1), AsBytes("log"));
      EXPECT_TRUE(created.ok()) << created.ToString();
    }
    return HeadPath(free_path);
  }

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

/// A key wrap path whose key id is `key_id_start` padded with '0' to 32 hex
/// digits: names a layout-only home takes in any order, sharing prefixes.
inline std::string KeyWrapPath(std::string_view key_id_start,
                               std::uint64_t recipient) {
  std::string key_id(key_id_start);
  key_id.resize(32, '0');
  return layout::KeyWrapPath(key_id, DeviceIdToHex(recipient));
}

/// The paths of `objects`, in order.
inline std::vector<std::string> Paths(const std::vector<ObjectInfo>& objects) {
  std::vector<std::string> out;
  for (const ObjectInfo& o : objects) out.push_back(o.path);
  return out;
}

}  // namespace coven::home::conformance

/// Runs the conformance suite on homes made by `factory_expr` (a callable
/// returning coven::home::HomeRef, or a HomeFactory). `prefix` names the
/// instantiation. Use at namespace scope.
#define COVEN_HOME_CONFORMANCE(prefix, factory_expr)                           \
  using ::coven::home::conformance::HomeConformanceTest;                       \
  INSTANTIATE_TEST_SUITE_P(                                                    \
      prefix, HomeConformanceTest,                                             \
      ::testing::Values(                                                       \
          ::coven::home::conformance::MakeHomeFactory(#prefix, factory_expr)), \
      [](const ::testing::TestParamInfo<                                       \
          ::coven::home::conformance::HomeFactory>& info) {                    \
        return info.param.name;                                                \
      })

#endif  // COVEN_TESTS_HOME_CONFORMANCE_H_
