#include "coven/memory_home.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <deque>

#include "home_conformance.h"
#include "home_test_limits.h"

namespace coven::home {
namespace {

COVEN_HOME_CONFORMANCE(MemoryHome,
                       [] { return HomeRef(MemoryHome::Create()); });

TEST(HomePathTest, IsValidPath) {
  for (const char* valid : {"a", "log/0123abcd/00ff", "a.b/c_d/e-f", "..a",
                            "a/.b", "heads/x", ".tmp"}) {
    EXPECT_TRUE(IsValidPath(valid)) << valid;
  }
  for (const char* invalid : {"", "/", "/a", "a/", "a//b", ".", "..", "a/./b",
                              "a/..", "A", "a b", "a/b\\c", "a:b", "a\tb"}) {
    EXPECT_FALSE(IsValidPath(invalid)) << invalid;
  }
  EXPECT_TRUE(IsValidPath(std::string(512, 'a')));
  EXPECT_FALSE(IsValidPath(std::string(513, 'a')));
}

// A home that serves scripted List pages, to test ListAll against stores
// that repeat entries or misbehave.
class ScriptedHome final : public Home {
 public:
  std::deque<ListPage> pages;
  std::vector<std::string> start_afters;

  Status Create(std::string_view, ByteView) override { return {}; }
  Status Replace(std::string_view, ByteView) override { return {}; }
  Result<Bytes> Get(std::string_view, std::uint64_t) override {
    return NotFoundError("x");
  }
  Result<Bytes> GetRange(std::string_view, std::uint64_t,
                         std::uint64_t) override {
    return NotFoundError("x");
  }
  Result<ListPage> List(std::string_view, std::string_view start_after,
                        std::size_t max_keys) override {
    EXPECT_EQ(max_keys, 1000u);
    start_afters.emplace_back(start_after);
    if (pages.empty()) return InternalError("no more scripted pages");
    ListPage page = pages.front();
    pages.pop_front();
    return page;
  }
  Status Delete(std::string_view) override { return {}; }
  Capabilities capabilities() const override { return {}; }
  std::string Describe() const override { return "scripted home"; }
};

TEST(HomeListAllTest, FollowsPagesAndDropsRepeats) {
  ScriptedHome home;
  home.pages.push_back({{{"p/a", 1}, {"p/b", 2}, {"p/b", 2}}, true});
  home.pages.push_back({{{"p/b", 2}, {"p/c", 3}}, false});
  Result<std::vector<ObjectInfo>> all =
      ListAll(home, "p/", kTestMaxList, "p/0");
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[2].path, "p/c");
  EXPECT_EQ((*all)[2].size, 3u);
  EXPECT_EQ(home.start_afters, (std::vector<std::string>{"p/0", "p/b"}));
}

TEST(HomeListAllTest, StuckTruncatedPageIsAnError) {
  ScriptedHome home;
  home.pages.push_back({{{"p/a", 1}}, true});
  home.pages.push_back({{{"p/a", 1}}, true});
  Result<std::vector<ObjectInfo>> all = ListAll(home, "p/", kTestMaxList);
  EXPECT_EQ(all.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(all.status().message(), ::testing::HasSubstr("scripted home"));
}

TEST(HomeListAllTest, PropagatesErrors) {
  ScriptedHome home;
  EXPECT_EQ(ListAll(home, "", kTestMaxList).status().code(),
            StatusCode::kInternal);
}

TEST(MemoryHomeTest, PagesAreExact) {
  auto home = MemoryHome::Create();
  for (const char* path : {"k/1", "k/2", "k/3", "k/4", "l/1"}) {
    ASSERT_TRUE(home->Create(path, AsBytes(path)).ok());
  }
  Result<ListPage> page = home->List("k/", "", 2);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->objects.size(), 2u);
  EXPECT_TRUE(page->truncated);
  page = home->List("k/", "k/2", 2);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->objects.size(), 2u);
  EXPECT_EQ(page->objects[1].path, "k/4");
  EXPECT_FALSE(page->truncated);     // Nothing else under "k/".
  page = home->List("k/", "a", 10);  // start_after before the prefix.
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->objects.size(), 4u);
  EXPECT_EQ(home->object_count(), 5u);
  EXPECT_EQ(home->Describe(), "memory home");
}

TEST(MemoryHomeTest, ReadsOverTheirLimitAreRefused) {
  auto home = MemoryHome::Create();
  ASSERT_TRUE(home->PutRaw("members/0000000000000002", Bytes(5000)).ok());
  Result<Bytes> got = home->Get("members/0000000000000002", 4096);
  EXPECT_EQ(got.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(got.status().message(),
            "members/0000000000000002 in memory home is 5000 bytes, over the "
            "limit of 4096 bytes for this read; it was not read");
  EXPECT_EQ(home->Get("members/0000000000000002", 5000)->size(), 5000u);
}

// ListUpTo holds at most its maximum and says whether more follow; ListAll
// refuses a listing over its maximum.
TEST(MemoryHomeTest, ListingsStopAtTheirMaximum) {
  auto home = MemoryHome::Create();
  for (int i = 0; i < 25; ++i) {
    char path[16];
    std::snprintf(path, sizeof(path), "p/%02d", i);
    ASSERT_TRUE(home->Create(path, AsBytes("x")).ok());
  }
  Result<ListPage> first = ListUpTo(*home, "p/", "", 10);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->objects.size(), 10u);
  EXPECT_TRUE(first->truncated);
  Result<ListPage> rest = ListUpTo(*home, "p/", first->objects.back().path, 15);
  ASSERT_TRUE(rest.ok());
  EXPECT_EQ(rest->objects.size(), 15u);
  EXPECT_EQ(rest->objects.front().path, "p/10");
  EXPECT_FALSE(rest->truncated);
  EXPECT_EQ(ListAll(*home, "p/", 25)->size(), 25u);
  Result<std::vector<ObjectInfo>> over = ListAll(*home, "p/", 24);
  EXPECT_EQ(over.status().code(), StatusCode::kResourceExhausted);
  EXPECT_THAT(over.status().message(),
              ::testing::HasSubstr("lists more than 24 objects under \"p/\""));
}

TEST(MemoryHomeTest, CorruptAndPutRawTamperWithObjects) {
  auto home = MemoryHome::Create();
  ASSERT_TRUE(home->Create("log/a/1", AsBytes("abc")).ok());
  ASSERT_TRUE(home->Corrupt("log/a/1", [](Bytes& b) { b[1] ^= 0x01; }).ok());
  EXPECT_EQ(AsString(*home->Get("log/a/1", kTestMaxRead)), "acc");
  EXPECT_EQ(home->Corrupt("log/a/2", [](Bytes&) {}).code(),
            StatusCode::kNotFound);
  // PutRaw ignores create-once and path rules, like a hostile home.
  ASSERT_TRUE(home->PutRaw("log/a/1", AsBytes("evil")).ok());
  EXPECT_EQ(AsString(*home->Get("log/a/1", kTestMaxRead)), "evil");
  ASSERT_TRUE(home->PutRaw("log/A B", AsBytes("odd")).ok());
  EXPECT_EQ(home->object_count(), 2u);
  Result<std::vector<ObjectInfo>> all = ListAll(*home, "log/", kTestMaxList);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 2u);
}

}  // namespace
}  // namespace coven::home
