// Conformance cases about listing: order, paging, prefixes. See
// home_conformance.h.
#include <gmock/gmock.h>

#include <set>
#include <string>
#include <vector>

#include "coven/hlc.h"
#include "home_conformance.h"
#include "home_test_limits.h"

namespace coven::home::conformance {
namespace {

// Many writers create in any order, so a layout-only home (whose log is
// written in order) takes key wraps, one key id per device.
TEST_P(HomeConformanceTest, ListsManyObjectsInOrderWithPaging) {
  constexpr int kDevices = 4, kPerDevice = 375;  // 1,500 objects.
  const std::string root = layout_only() ? "keys/" : "log/";
  std::vector<ObjectInfo> expected;
  for (int d = 0; d < kDevices; ++d) {
    const std::string device = DeviceIdToHex(0x9e3779b97f4a7c15ULL * (d + 1));
    for (int s = 0; s < kPerDevice; ++s) {
      expected.push_back({layout_only()
                              ? KeyWrapPath(device, s)
                              : "log/" + device + "/" + DeviceIdToHex(s),
                          8u + s % 5});
    }
  }
  std::atomic<std::size_t> next{0};
  std::vector<std::thread> writers;
  for (int t = 0; t < 8; ++t) {
    writers.emplace_back([&] {
      for (std::size_t i; (i = next++) < expected.size();) {
        Status s =
            home().Create(expected[i].path, Pattern(expected[i].size, i));
        EXPECT_TRUE(s.ok()) << s.ToString();
      }
    });
  }
  for (std::thread& writer : writers) writer.join();
  std::sort(
      expected.begin(), expected.end(),
      [](const ObjectInfo& a, const ObjectInfo& b) { return a.path < b.path; });
  const std::vector<std::string> want = Paths(expected);

  Result<std::vector<ObjectInfo>> all = ListAll(home(), root, kTestMaxList);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(Paths(*all), want);
  for (std::size_t i = 0; i < all->size() && i < expected.size(); ++i) {
    EXPECT_EQ((*all)[i].size, expected[i].size) << (*all)[i].path;
  }

  // Follow pages by hand: each is bounded, in order, and only the last one is
  // not truncated.
  std::vector<std::string> paged;
  std::string cursor;
  int pages = 0;
  while (true) {
    Result<ListPage> page = home().List(root, cursor, 100);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    ASSERT_LE(page->objects.size(), 100u);
    ++pages;
    for (const ObjectInfo& o : page->objects) paged.push_back(o.path);
    if (!page->truncated) break;
    ASSERT_FALSE(page->objects.empty());
    cursor = page->objects.back().path;
    ASSERT_LT(pages, 1000);
  }
  EXPECT_EQ(paged, want);
  EXPECT_GE(pages, 15);

  Result<ListPage> first = home().List("", "", 1000);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_TRUE(first->truncated);
  EXPECT_LE(first->objects.size(), 1000u);

  // start_after: an existing path, a path between two, and the last path.
  Result<std::vector<ObjectInfo>> after =
      ListAll(home(), root, kTestMaxList, want[700]);
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ(Paths(*after),
            std::vector<std::string>(want.begin() + 701, want.end()));
  after = ListAll(home(), root, kTestMaxList, want[700] + "-");
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ(Paths(*after),
            std::vector<std::string>(want.begin() + 701, want.end()));
  // (A layout-only home holds what founding it wrote after keys/.)
  after = ListAll(home(), layout_only() ? root : "", kTestMaxList, want.back());
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_TRUE(after->empty());

  const std::string device_prefix = want[0].substr(0, want[0].rfind('/') + 1);
  Result<std::vector<ObjectInfo>> one =
      ListAll(home(), device_prefix, kTestMaxList);
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  EXPECT_EQ(one->size(), static_cast<std::size_t>(kPerDevice));
}

TEST_P(HomeConformanceTest, PrefixNeedNotEndAtASlash) {
  auto list = [&](std::string_view prefix) {
    Result<std::vector<ObjectInfo>> r = ListAll(home(), prefix, kTestMaxList);
    EXPECT_TRUE(r.ok()) << prefix << ": " << r.status().ToString();
    return r.ok() ? Paths(*r) : std::vector<std::string>{};
  };
  using V = std::vector<std::string>;
  if (layout_only()) {
    // Key wraps whose key ids share prefixes as the folders below do (fixed
    // widths leave out an object named like a folder, "log/00ab").
    const std::string ab12 = KeyWrapPath("00ab12", 1);
    const std::string ab34 = KeyWrapPath("00ab34", 2);
    const std::string ac = KeyWrapPath("00ac", 3);
    const std::string a0 = KeyWrapPath("00a0", 4);
    for (const std::string& path : {ab12, ab34, ac, a0}) {
      ASSERT_TRUE(home().Create(path, AsBytes(path)).ok()) << path;
    }
    EXPECT_EQ(list("keys/00ab"), (V{ab12, ab34}));
    EXPECT_EQ(list("keys/00ab1"), (V{ab12}));
    EXPECT_EQ(list(ab12.substr(0, ab12.size() - 14)), (V{ab12}));
    EXPECT_EQ(list(ab12), (V{ab12}));
    EXPECT_EQ(list(ab12 + "x"), V{});
    EXPECT_EQ(list(a0.substr(0, a0.rfind('/') + 1)), (V{a0}));
    EXPECT_EQ(list("keys/00a"), (V{a0, ab12, ab34, ac}));
    EXPECT_EQ(list("k").size(), 4u);
    EXPECT_EQ(list("keys").size(), 4u);
    EXPECT_EQ(list("x"), V{});
    return;
  }
  for (const char* path : {"log/00ab12/0001", "log/00ab34/0002", "log/00ab",
                           "log/00ac/0003", "log/00a/0004", "lock"}) {
    ASSERT_TRUE(home().Create(path, AsBytes(path)).ok()) << path;
  }
  EXPECT_EQ(list("log/00ab"),
            (V{"log/00ab", "log/00ab12/0001", "log/00ab34/0002"}));
  EXPECT_EQ(list("log/00ab1"), (V{"log/00ab12/0001"}));
  EXPECT_EQ(list("log/00ab12/00"), (V{"log/00ab12/0001"}));
  EXPECT_EQ(list("log/00ab12/0001"), (V{"log/00ab12/0001"}));
  EXPECT_EQ(list("log/00ab12/0001x"), V{});
  EXPECT_EQ(list("log/00a/"), (V{"log/00a/0004"}));
  EXPECT_EQ(list("lo").size(), 6u);
  EXPECT_EQ(list("log").size(), 5u);
  EXPECT_EQ(list("x"), V{});
}

TEST_P(HomeConformanceTest, ListingIsInByteOrder) {
  // '-' < '.' < '/' < '0' < '_' < 'a': a directory must sort by its path,
  // not by its bare name.
  std::vector<std::string> paths = {"o/a0",   "o/a/b",   "o/a-b/x", "o/a.b",
                                    "o/ab",   "o/a_c",   "o/a/a/z", "o/a-",
                                    "o/a/-b", "o/a/b.c", "o/9/z"};
  std::string prefix = "o/";
  std::vector<std::string> founded;
  if (layout_only()) {
    // Every family of the layout, from the root, with what founding the
    // home wrote: the families interleave in byte order.
    Result<std::vector<ObjectInfo>> before = ListAll(home(), "", kTestMaxList);
    ASSERT_TRUE(before.ok()) << before.status().ToString();
    founded = Paths(*before);
    paths = {
        ObjectPath("", 1),   ObjectPath("", 2),     ObjectPath("", 3),
        HeadPath(""),        KeyWrapPath("0a", 1),  KeyWrapPath("0a", 0x10),
        KeyWrapPath("a", 2), KeyWrapPath("", 0xff), KeyWrapPath("ffffffff", 0)};
    prefix = "";
  }
  for (const std::string& path : paths) {
    ASSERT_TRUE(home().Create(path, AsBytes(path)).ok()) << path;
  }
  paths.insert(paths.end(), founded.begin(), founded.end());
  std::sort(paths.begin(), paths.end());
  Result<std::vector<ObjectInfo>> all = ListAll(home(), prefix, kTestMaxList);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(Paths(*all), paths);
  // One object per page exercises start_after at every position.
  std::vector<std::string> one_by_one;
  std::string cursor;
  for (int i = 0; i < 100; ++i) {
    Result<ListPage> page = home().List(prefix, cursor, 1);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    ASSERT_LE(page->objects.size(), 1u);
    if (!page->objects.empty()) {
      one_by_one.push_back(page->objects[0].path);
      cursor = page->objects[0].path;
    }
    if (!page->truncated) break;
  }
  EXPECT_EQ(one_by_one, paths);
}

}  // namespace
}  // namespace coven::home::conformance
