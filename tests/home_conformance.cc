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
  const std::string path = ObjectPath("log/a/1", 1);
  ASSERT_TRUE(home().Create(path, AsBytes("first")).ok());
  Status second = home().Create(path, AsBytes("second"));
  EXPECT_EQ(second.code(), StatusCode::kAlreadyExists) << second.ToString();
  EXPECT_THAT(second.message(), HasSubstr(path));
  Result<Bytes> got = home().Get(path, kTestMaxRead);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(AsString(*got), "first");
  // An empty object is an object too.
  const std::string empty_path = ObjectPath("log/a/empty", 2);
  ASSERT_TRUE(home().Create(empty_path, {}).ok());
  EXPECT_EQ(home().Create(empty_path, {}).code(), StatusCode::kAlreadyExists);
  Result<Bytes> empty = home().Get(empty_path, kTestMaxRead);
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_TRUE(empty->empty());
  EXPECT_FALSE(home().Describe().empty());
}

// On a layout-only home the racers are one device (only it writes its log),
// through several connections when the factory opens them, racing for the
// next seq of its log.
TEST_P(HomeConformanceTest, RacingCreatorsHaveExactlyOneWinner) {
  if (!home().capabilities().atomic_create())
    GTEST_SKIP() << "no atomic create";
  constexpr int kCreators = 4;
  std::vector<HomeRef> homes(kCreators, home_ref());
  if (layout_only() && layout_only()->open_again) {
    for (int t = 1; t < kCreators; ++t) {
      homes[t] = layout_only()->open_again(home());
      ASSERT_NE(homes[t], nullptr);
    }
  }
  for (int round = 0; round < 20; ++round) {
    const std::string path =
        ObjectPath("log/race/" + DeviceIdToHex(round), round + 1);
    Status results[kCreators];
    std::latch start(kCreators);
    std::vector<std::thread> threads;
    for (int t = 0; t < kCreators; ++t) {
      threads.emplace_back([&, t] {
        const std::string body = "writer-" + std::to_string(t);
        start.arrive_and_wait();
        results[t] = homes[t]->Create(path, AsBytes(body));
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
  const std::string path = ObjectPath("blob/ab/cd", 1);
  ASSERT_TRUE(home().Create(path, data).ok());
  Result<Bytes> whole = home().Get(path, kTestMaxRead);
  ASSERT_TRUE(whole.ok()) << whole.status().ToString();
  EXPECT_EQ(*whole, data);
  struct Range {
    std::uint64_t offset, length;
  };
  for (Range r : {Range{0, 1000}, Range{10, 20}, Range{999, 1}, Range{0, 0},
                  Range{1000, 0}, Range{500, 500}}) {
    Result<Bytes> part = home().GetRange(path, r.offset, r.length);
    ASSERT_TRUE(part.ok()) << r.offset << "+" << r.length << ": "
                           << part.status().ToString();
    EXPECT_EQ(*part, Bytes(data.begin() + r.offset,
                           data.begin() + r.offset + r.length));
  }
  for (Range r : {Range{1000, 1}, Range{990, 11}, Range{10, UINT64_MAX}}) {
    Result<Bytes> part = home().GetRange(path, r.offset, r.length);
    EXPECT_EQ(part.status().code(), StatusCode::kOutOfRange)
        << r.offset << "+" << r.length << ": " << part.status().ToString();
  }
  // Ranges that start past the end.
  for (Range r : {Range{1001, 0}, Range{UINT64_MAX, 2}}) {
    Result<Bytes> part = home().GetRange(path, r.offset, r.length);
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
    const std::string path =
        ObjectPath("blob/sizes/" + DeviceIdToHex(i), i + 1);
    ASSERT_TRUE(home().Create(path, bodies[i]).ok()) << path;
  }
  for (std::size_t i = 0; i < bodies.size(); ++i) {
    const std::string path =
        ObjectPath("blob/sizes/" + DeviceIdToHex(i), i + 1);
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
      ListAll(home(), ObjectPrefix("blob/sizes/"), kTestMaxList);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(all->size(), bodies.size());
  for (std::size_t i = 0; i < bodies.size(); ++i) {
    EXPECT_EQ((*all)[i].size, bodies[i].size());
  }
}

TEST_P(HomeConformanceTest, ReplaceOverwritesAnObjectOfTheSameSize) {
  const std::string path = HeadToWrite("heads/" + DeviceIdToHex(7));
  for (const char* body : {"aaaa", "bbbb", "cccc"}) {
    Status replaced = home().Replace(path, AsBytes(body));
    ASSERT_TRUE(replaced.ok()) << body << ": " << replaced.ToString();
    Result<Bytes> got = home().Get(path, kTestMaxRead);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(AsString(*got), body);
  }
}

TEST_P(HomeConformanceTest, MissingObjectIsNotFound) {
  const std::string path = ObjectPath("log/none/1", 1);
  Result<Bytes> got = home().Get(path, kTestMaxRead);
  EXPECT_EQ(got.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(got.status().message(), HasSubstr(path));
  EXPECT_EQ(home().GetRange(path, 0, 0).status().code(), StatusCode::kNotFound);
  Result<ListPage> page = home().List(ObjectPrefix("log/none/"), "", 10);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_TRUE(page->objects.empty());
  EXPECT_FALSE(page->truncated);
}

TEST_P(HomeConformanceTest, DeleteIsIdempotent) {
  if (!GetParam().deletes) {
    // Such a home must refuse, not pretend: the object stays.
    const std::string path = ObjectPath("log/x/1", 1);
    ASSERT_TRUE(home().Create(path, AsBytes("one")).ok());
    EXPECT_EQ(home().Delete(path).code(), StatusCode::kUnimplemented);
    EXPECT_TRUE(home().Get(path, kTestMaxRead).ok());
    GTEST_SKIP() << "this home never deletes (Delete is kUnimplemented, "
                    "checked above)";
  }
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
  const std::string path = HeadToWrite("heads/" + DeviceIdToHex(42));
  Status first = home().Replace(path, Bytes(kSize, 0));
  ASSERT_TRUE(first.ok()) << first.ToString();
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
  const std::string path = ObjectPath("blob/large/0001", 1);
  ASSERT_TRUE(home().Create(path, data).ok());
  Result<Bytes> got = home().Get(path, kTestMaxRead);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_TRUE(*got == data);
  Result<Bytes> part = home().GetRange(path, 3 << 20, 1 << 20);
  ASSERT_TRUE(part.ok()) << part.status().ToString();
  EXPECT_TRUE(std::equal(part->begin(), part->end(), data.begin() + (3 << 20)));
  Result<ListPage> page = home().List(ObjectPrefix("blob/large/"), "", 10);
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
  for (const std::string& valid : {longest, std::string("a-b/c_d/e.f/0-9")}) {
    // Valid, but outside the layout: a layout-only home refuses it.
    EXPECT_EQ(home().Create(valid, AsBytes("x")).ok(), !layout_only()) << valid;
  }
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
  const std::string path = ObjectPath("log/cap/big", 1);
  ASSERT_TRUE(home().Create(path, big).ok());
  Result<Bytes> refused = home().Get(path, 4096);
  EXPECT_EQ(refused.status().code(), StatusCode::kResourceExhausted)
      << refused.status().ToString();
  EXPECT_THAT(refused.status().message(), HasSubstr(path));
  EXPECT_THAT(refused.status().message(), HasSubstr("4096"));
  EXPECT_EQ(home().Get(path, big.size() - 1).status().code(),
            StatusCode::kResourceExhausted);
  Result<Bytes> exact = home().Get(path, big.size());
  ASSERT_TRUE(exact.ok()) << exact.status().ToString();
  EXPECT_EQ(*exact, big);
  // Missing is still kNotFound whatever the limit; empty fits in 0.
  EXPECT_EQ(home().Get(ObjectPath("log/cap/none", 3), 0).status().code(),
            StatusCode::kNotFound);
  const std::string empty_path = ObjectPath("log/cap/empty", 2);
  ASSERT_TRUE(home().Create(empty_path, {}).ok());
  Result<Bytes> empty = home().Get(empty_path, 0);
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_TRUE(empty->empty());
}

}  // namespace
}  // namespace coven::home::conformance
