// The cases of the Home conformance suite; see home_conformance.h.
#include "home_conformance.h"

#include <gmock/gmock.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <latch>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace coven::home::conformance {
namespace {

using ::testing::HasSubstr;

GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(HomeConformanceTest);

std::string Hex16(std::uint64_t value) {
  char buffer[17];
  std::snprintf(buffer, sizeof(buffer), "%016llx",
                static_cast<unsigned long long>(value));
  return buffer;
}

Bytes Pattern(std::size_t size, std::uint64_t seed) {
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

std::vector<std::string> Paths(const std::vector<ObjectInfo>& objects) {
  std::vector<std::string> out;
  for (const ObjectInfo& o : objects) out.push_back(o.path);
  return out;
}

TEST_P(HomeConformanceTest, CreateIsCreateOnce) {
  ASSERT_TRUE(home().Create("log/a/1", AsBytes("first")).ok());
  Status second = home().Create("log/a/1", AsBytes("second"));
  EXPECT_EQ(second.code(), StatusCode::kAlreadyExists) << second.ToString();
  EXPECT_THAT(second.message(), HasSubstr("log/a/1"));
  Result<Bytes> got = home().Get("log/a/1");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(AsString(*got), "first");
  // An empty object is an object too.
  ASSERT_TRUE(home().Create("log/a/empty", {}).ok());
  EXPECT_EQ(home().Create("log/a/empty", {}).code(),
            StatusCode::kAlreadyExists);
  Result<Bytes> empty = home().Get("log/a/empty");
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_TRUE(empty->empty());
  EXPECT_FALSE(home().Describe().empty());
}

TEST_P(HomeConformanceTest, RacingCreatorsHaveExactlyOneWinner) {
  if (!home().capabilities().atomic_create())
    GTEST_SKIP() << "no atomic create";
  constexpr int kCreators = 4;
  for (int round = 0; round < 20; ++round) {
    const std::string path = "log/race/" + Hex16(round);
    Status results[kCreators];
    std::latch start(kCreators);
    std::vector<std::thread> threads;
    for (int t = 0; t < kCreators; ++t) {
      threads.emplace_back([&, t] {
        const std::string body = "writer-" + std::to_string(t);
        start.arrive_and_wait();
        results[t] = home().Create(path, AsBytes(body));
      });
    }
    for (std::thread& thread : threads) thread.join();
    int winner = -1;
    for (int t = 0; t < kCreators; ++t) {
      if (results[t].ok()) {
        EXPECT_EQ(winner, -1) << "two creators won round " << round;
        winner = t;
      } else {
        EXPECT_EQ(results[t].code(), StatusCode::kAlreadyExists)
            << results[t].ToString();
      }
    }
    ASSERT_NE(winner, -1) << "nobody won round " << round;
    Result<Bytes> got = home().Get(path);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(AsString(*got), "writer-" + std::to_string(winner));
  }
}

TEST_P(HomeConformanceTest, WholeAndRangeReads) {
  const Bytes data = Pattern(1000, 7);
  ASSERT_TRUE(home().Create("blob/ab/cd", data).ok());
  Result<Bytes> whole = home().Get("blob/ab/cd");
  ASSERT_TRUE(whole.ok()) << whole.status().ToString();
  EXPECT_EQ(*whole, data);
  struct Range {
    std::uint64_t offset, length;
  };
  for (Range r : {Range{0, 1000}, Range{10, 20}, Range{999, 1}, Range{0, 0},
                  Range{1000, 0}, Range{500, 500}}) {
    Result<Bytes> part = home().GetRange("blob/ab/cd", r.offset, r.length);
    ASSERT_TRUE(part.ok()) << r.offset << "+" << r.length << ": "
                           << part.status().ToString();
    EXPECT_EQ(*part, Bytes(data.begin() + r.offset,
                           data.begin() + r.offset + r.length));
  }
  for (Range r : {Range{1000, 1}, Range{990, 11}, Range{1001, 0},
                  Range{10, UINT64_MAX}, Range{UINT64_MAX, 2}}) {
    Result<Bytes> part = home().GetRange("blob/ab/cd", r.offset, r.length);
    EXPECT_EQ(part.status().code(), StatusCode::kOutOfRange)
        << r.offset << "+" << r.length << ": " << part.status().ToString();
  }
}

TEST_P(HomeConformanceTest, RoundTripsEdgeSizesAndEveryByteValue) {
  Bytes every_byte(256);
  for (int i = 0; i < 256; ++i) every_byte[i] = static_cast<std::uint8_t>(i);
  // 1 MiB + 1 crosses libcurl's Expect: 100-continue threshold.
  const std::vector<Bytes> bodies = {Bytes(), Bytes{0x00}, every_byte,
                                     Pattern((1 << 20) + 1, 3)};
  for (std::size_t i = 0; i < bodies.size(); ++i) {
    const std::string path = "blob/sizes/" + Hex16(i);
    ASSERT_TRUE(home().Create(path, bodies[i]).ok()) << path;
  }
  for (std::size_t i = 0; i < bodies.size(); ++i) {
    const std::string path = "blob/sizes/" + Hex16(i);
    Result<Bytes> got = home().Get(path);
    ASSERT_TRUE(got.ok()) << path << ": " << got.status().ToString();
    EXPECT_TRUE(*got == bodies[i]) << path << " size " << got->size();
    const std::uint64_t size = bodies[i].size();
    Result<Bytes> tail = home().GetRange(path, size, 0);
    ASSERT_TRUE(tail.ok()) << path << ": " << tail.status().ToString();
    EXPECT_TRUE(tail->empty());
    EXPECT_EQ(home().GetRange(path, size, 1).status().code(),
              StatusCode::kOutOfRange)
        << path;
    if (size > 0) {
      Result<Bytes> last = home().GetRange(path, size - 1, 1);
      ASSERT_TRUE(last.ok()) << path << ": " << last.status().ToString();
      EXPECT_EQ(*last, Bytes{bodies[i].back()});
    }
  }
  Result<std::vector<ObjectInfo>> all = ListAll(home(), "blob/sizes/");
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(all->size(), bodies.size());
  for (std::size_t i = 0; i < bodies.size(); ++i) {
    EXPECT_EQ((*all)[i].size, bodies[i].size());
  }
}

TEST_P(HomeConformanceTest, ReplaceOverwritesAnObjectOfTheSameSize) {
  const std::string path = "heads/" + Hex16(7);
  for (const char* body : {"aaaa", "bbbb", "cccc"}) {
    ASSERT_TRUE(home().Replace(path, AsBytes(body)).ok()) << body;
    Result<Bytes> got = home().Get(path);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(AsString(*got), body);
  }
}

TEST_P(HomeConformanceTest, MissingObjectIsNotFound) {
  Result<Bytes> got = home().Get("log/none/1");
  EXPECT_EQ(got.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(got.status().message(), HasSubstr("log/none/1"));
  EXPECT_EQ(home().GetRange("log/none/1", 0, 0).status().code(),
            StatusCode::kNotFound);
  Result<ListPage> page = home().List("log/none/", "", 10);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_TRUE(page->objects.empty());
  EXPECT_FALSE(page->truncated);
}

TEST_P(HomeConformanceTest, ListsManyObjectsInOrderWithPaging) {
  constexpr int kDevices = 4, kPerDevice = 375;  // 1,500 objects.
  std::vector<ObjectInfo> expected;
  for (int d = 0; d < kDevices; ++d) {
    const std::string device = Hex16(0x9e3779b97f4a7c15ULL * (d + 1));
    for (int s = 0; s < kPerDevice; ++s) {
      expected.push_back({"log/" + device + "/" + Hex16(s), 8u + s % 5});
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

  Result<std::vector<ObjectInfo>> all = ListAll(home(), "log/");
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
    Result<ListPage> page = home().List("log/", cursor, 100);
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
  Result<std::vector<ObjectInfo>> after = ListAll(home(), "log/", want[700]);
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ(Paths(*after),
            std::vector<std::string>(want.begin() + 701, want.end()));
  after = ListAll(home(), "log/", want[700] + "-");
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ(Paths(*after),
            std::vector<std::string>(want.begin() + 701, want.end()));
  after = ListAll(home(), "", want.back());
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_TRUE(after->empty());

  const std::string device_prefix = want[0].substr(0, 4 + 16 + 1);
  Result<std::vector<ObjectInfo>> one = ListAll(home(), device_prefix);
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  EXPECT_EQ(one->size(), static_cast<std::size_t>(kPerDevice));
}

TEST_P(HomeConformanceTest, PrefixNeedNotEndAtASlash) {
  for (const char* path : {"log/00ab12/0001", "log/00ab34/0002", "log/00ab",
                           "log/00ac/0003", "log/00a/0004", "lock"}) {
    ASSERT_TRUE(home().Create(path, AsBytes(path)).ok()) << path;
  }
  auto list = [&](std::string_view prefix) {
    Result<std::vector<ObjectInfo>> r = ListAll(home(), prefix);
    EXPECT_TRUE(r.ok()) << prefix << ": " << r.status().ToString();
    return r.ok() ? Paths(*r) : std::vector<std::string>{};
  };
  using V = std::vector<std::string>;
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
  for (const std::string& path : paths) {
    ASSERT_TRUE(home().Create(path, AsBytes(path)).ok()) << path;
  }
  std::sort(paths.begin(), paths.end());
  Result<std::vector<ObjectInfo>> all = ListAll(home(), "o/");
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(Paths(*all), paths);
  // One object per page exercises start_after at every position.
  std::vector<std::string> one_by_one;
  std::string cursor;
  for (int i = 0; i < 100; ++i) {
    Result<ListPage> page = home().List("o/", cursor, 1);
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

TEST_P(HomeConformanceTest, DeleteIsIdempotent) {
  EXPECT_TRUE(home().Delete("log/x/1").ok());
  ASSERT_TRUE(home().Create("log/x/1", AsBytes("one")).ok());
  ASSERT_TRUE(home().Create("log/x/2", AsBytes("two")).ok());
  EXPECT_TRUE(home().Delete("log/x/1").ok());
  EXPECT_EQ(home().Get("log/x/1").status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(home().Delete("log/x/1").ok());
  Result<std::vector<ObjectInfo>> all = ListAll(home(), "log/");
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(Paths(*all), std::vector<std::string>{"log/x/2"});
  // The path can be created again after a delete.
  EXPECT_TRUE(home().Create("log/x/1", AsBytes("again")).ok());
}

TEST_P(HomeConformanceTest, ReplaceIsAtomicForReaders) {
  if (!home().capabilities().atomic_replace) {
    GTEST_SKIP() << "replace is not atomic for readers";
  }
  constexpr std::size_t kSize = 64 * 1024;
  constexpr int kVersions = 100;
  const std::string path = "heads/" + Hex16(42);
  ASSERT_TRUE(home().Replace(path, Bytes(kSize, 0)).ok());
  std::atomic<bool> done{false};
  std::atomic<int> reads{0}, torn{0};
  std::thread reader([&] {
    while (!done.load() || reads.load() < 10) {
      Result<Bytes> got = home().Get(path);
      ASSERT_TRUE(got.ok()) << got.status().ToString();
      ++reads;
      if (got->size() != kSize ||
          std::count(got->begin(), got->end(), (*got)[0]) !=
              static_cast<std::ptrdiff_t>(kSize)) {
        ++torn;
      }
    }
  });
  for (int v = 1; v <= kVersions; ++v) {
    Status s = home().Replace(path, Bytes(kSize, static_cast<std::uint8_t>(v)));
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  done = true;
  reader.join();
  EXPECT_EQ(torn.load(), 0) << "of " << reads.load() << " reads";
  Result<Bytes> last = home().Get(path);
  ASSERT_TRUE(last.ok()) << last.status().ToString();
  EXPECT_EQ(*last, Bytes(kSize, static_cast<std::uint8_t>(kVersions)));
  Result<std::vector<ObjectInfo>> all = ListAll(home(), "heads/");
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].size, kSize);
}

TEST_P(HomeConformanceTest, LargeObjectRoundTrip) {
  const Bytes data = Pattern(8 << 20, 99);
  ASSERT_TRUE(home().Create("blob/large/0001", data).ok());
  Result<Bytes> got = home().Get("blob/large/0001");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_TRUE(*got == data);
  Result<Bytes> part = home().GetRange("blob/large/0001", 3 << 20, 1 << 20);
  ASSERT_TRUE(part.ok()) << part.status().ToString();
  EXPECT_TRUE(std::equal(part->begin(), part->end(), data.begin() + (3 << 20)));
  Result<ListPage> page = home().List("blob/large/", "", 10);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->objects.size(), 1u);
  EXPECT_EQ(page->objects[0].size, data.size());
}

TEST_P(HomeConformanceTest, RejectsInvalidPaths) {
  const std::string too_long =
      std::string(100, 'a') + "/" + std::string(100, 'b') + "/" +
      std::string(100, 'c') + "/" + std::string(100, 'd') + "/" +
      std::string(109, 'e');  // 513 characters.
  for (const std::string& path :
       {std::string(), std::string("/log/a"), std::string("log/a/"),
        std::string("log//a"), std::string("./log"), std::string("log/../a"),
        std::string("log/."), std::string("Log/a"), std::string("log/a b"),
        std::string("log\\a"), std::string("log/a\0b", 7),
        std::string("log/\xc3\xa9"), too_long}) {
    SCOPED_TRACE("path \"" + path + "\"");
    EXPECT_EQ(home().Create(path, AsBytes("x")).code(),
              StatusCode::kInvalidArgument);
    EXPECT_EQ(home().Replace(path, AsBytes("x")).code(),
              StatusCode::kInvalidArgument);
    EXPECT_EQ(home().Get(path).status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(home().GetRange(path, 0, 0).status().code(),
              StatusCode::kInvalidArgument);
    EXPECT_EQ(home().Delete(path).code(), StatusCode::kInvalidArgument);
  }
  const std::string longest = too_long.substr(0, 512);
  ASSERT_TRUE(IsValidPath(longest));
  EXPECT_TRUE(home().Create(longest, AsBytes("x")).ok());
  EXPECT_TRUE(home().Create("a-b/c_d/e.f/0-9", AsBytes("x")).ok());
  EXPECT_EQ(home().List("/log", "", 10).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(home().List("log//", "", 10).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(home().List("log/", "", 0).status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace coven::home::conformance
