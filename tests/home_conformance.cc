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

#include "coven/hlc.h"
#include "home_test_limits.h"

namespace coven::home::conformance {
namespace {

using ::testing::HasSubstr;

GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(HomeConformanceTest);

TEST_P(HomeConformanceTest, CreateIsCreateOnce) {
  ASSERT_TRUE(home().Create("log/a/1", AsBytes("first")).ok());
  Status second = home().Create("log/a/1", AsBytes("second"));
  EXPECT_EQ(second.code(), StatusCode::kAlreadyExists) << second.ToString();
  EXPECT_THAT(second.message(), HasSubstr("log/a/1"));
  Result<Bytes> got = home().Get("log/a/1", kTestMaxRead);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(AsString(*got), "first");
  // An empty object is an object too.
  ASSERT_TRUE(home().Create("log/a/empty", {}).ok());
  EXPECT_EQ(home().Create("log/a/empty", {}).code(),
            StatusCode::kAlreadyExists);
  Result<Bytes> empty = home().Get("log/a/empty", kTestMaxRead);
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_TRUE(empty->empty());
  EXPECT_FALSE(home().Describe().empty());
}

TEST_P(HomeConformanceTest, RacingCreatorsHaveExactlyOneWinner) {
  if (!home().capabilities().atomic_create())
    GTEST_SKIP() << "no atomic create";
  constexpr int kCreators = 4;
  for (int round = 0; round < 20; ++round) {
    const std::string path = "log/race/" + DeviceIdToHex(round);
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
    Result<Bytes> got = home().Get(path, kTestMaxRead);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(AsString(*got), "writer-" + std::to_string(winner));
  }
}

TEST_P(HomeConformanceTest, WholeAndRangeReads) {
  const Bytes data = Pattern(1000, 7);
  ASSERT_TRUE(home().Create("blob/ab/cd", data).ok());
  Result<Bytes> whole = home().Get("blob/ab/cd", kTestMaxRead);
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
    const std::string path = "blob/sizes/" + DeviceIdToHex(i);
    ASSERT_TRUE(home().Create(path, bodies[i]).ok()) << path;
  }
  for (std::size_t i = 0; i < bodies.size(); ++i) {
    const std::string path = "blob/sizes/" + DeviceIdToHex(i);
    Result<Bytes> got = home().Get(path, kTestMaxRead);
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
  Result<std::vector<ObjectInfo>> all =
      ListAll(home(), "blob/sizes/", kTestMaxList);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(all->size(), bodies.size());
  for (std::size_t i = 0; i < bodies.size(); ++i) {
    EXPECT_EQ((*all)[i].size, bodies[i].size());
  }
}

TEST_P(HomeConformanceTest, ReplaceOverwritesAnObjectOfTheSameSize) {
  const std::string path = "heads/" + DeviceIdToHex(7);
  for (const char* body : {"aaaa", "bbbb", "cccc"}) {
    ASSERT_TRUE(home().Replace(path, AsBytes(body)).ok()) << body;
    Result<Bytes> got = home().Get(path, kTestMaxRead);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(AsString(*got), body);
  }
}

TEST_P(HomeConformanceTest, MissingObjectIsNotFound) {
  Result<Bytes> got = home().Get("log/none/1", kTestMaxRead);
  EXPECT_EQ(got.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(got.status().message(), HasSubstr("log/none/1"));
  EXPECT_EQ(home().GetRange("log/none/1", 0, 0).status().code(),
            StatusCode::kNotFound);
  Result<ListPage> page = home().List("log/none/", "", 10);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_TRUE(page->objects.empty());
  EXPECT_FALSE(page->truncated);
}

TEST_P(HomeConformanceTest, DeleteIsIdempotent) {
  EXPECT_TRUE(home().Delete("log/x/1").ok());
  ASSERT_TRUE(home().Create("log/x/1", AsBytes("one")).ok());
  ASSERT_TRUE(home().Create("log/x/2", AsBytes("two")).ok());
  EXPECT_TRUE(home().Delete("log/x/1").ok());
  EXPECT_EQ(home().Get("log/x/1", kTestMaxRead).status().code(),
            StatusCode::kNotFound);
  EXPECT_TRUE(home().Delete("log/x/1").ok());
  Result<std::vector<ObjectInfo>> all = ListAll(home(), "log/", kTestMaxList);
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
  const std::string path = "heads/" + DeviceIdToHex(42);
  ASSERT_TRUE(home().Replace(path, Bytes(kSize, 0)).ok());
  std::atomic<bool> done{false};
  std::atomic<int> reads{0}, torn{0};
  std::thread reader([&] {
    while (!done.load() || reads.load() < 10) {
      Result<Bytes> got = home().Get(path, kTestMaxRead);
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
  Result<Bytes> last = home().Get(path, kTestMaxRead);
  ASSERT_TRUE(last.ok()) << last.status().ToString();
  EXPECT_EQ(*last, Bytes(kSize, static_cast<std::uint8_t>(kVersions)));
  Result<std::vector<ObjectInfo>> all = ListAll(home(), "heads/", kTestMaxList);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].size, kSize);
}

TEST_P(HomeConformanceTest, LargeObjectRoundTrip) {
  const Bytes data = Pattern(8 << 20, 99);
  ASSERT_TRUE(home().Create("blob/large/0001", data).ok());
  Result<Bytes> got = home().Get("blob/large/0001", kTestMaxRead);
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
    EXPECT_EQ(home().Get(path, kTestMaxRead).status().code(),
              StatusCode::kInvalidArgument);
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

// Every read names a limit; a larger object is refused (kResourceExhausted)
// without being buffered whole: a folder checks its size first, a network
// home the Content-Length and then the bytes as they arrive.
TEST_P(HomeConformanceTest, AReadOverTheCapIsRefusedWithoutReadingItWhole) {
  const Bytes big(256 << 10, 0x5a);
  ASSERT_TRUE(home().Create("log/cap/big", big).ok());
  Result<Bytes> refused = home().Get("log/cap/big", 4096);
  EXPECT_EQ(refused.status().code(), StatusCode::kResourceExhausted)
      << refused.status().ToString();
  EXPECT_THAT(refused.status().message(), HasSubstr("log/cap/big"));
  EXPECT_THAT(refused.status().message(), HasSubstr("4096"));
  EXPECT_EQ(home().Get("log/cap/big", big.size() - 1).status().code(),
            StatusCode::kResourceExhausted);
  Result<Bytes> exact = home().Get("log/cap/big", big.size());
  ASSERT_TRUE(exact.ok()) << exact.status().ToString();
  EXPECT_EQ(*exact, big);
  // Missing is still kNotFound whatever the limit; empty fits in 0.
  EXPECT_EQ(home().Get("log/cap/none", 0).status().code(),
            StatusCode::kNotFound);
  ASSERT_TRUE(home().Create("log/cap/empty", {}).ok());
  Result<Bytes> empty = home().Get("log/cap/empty", 0);
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_TRUE(empty->empty());
}

}  // namespace
}  // namespace coven::home::conformance
