#include "coven/testing/fault_home.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "coven/memory_home.h"
#include "home_conformance.h"
#include "home_test_limits.h"

namespace coven::home {
namespace {

using ::coven::testing::FaultHome;
using ::coven::testing::FaultOptions;
using ::coven::testing::FaultStats;

using ::testing::HasSubstr;
using ::testing::StartsWith;

// Faults configured everywhere but disabled: must behave like the inner home.
HomeRef MakeDisabledFaultHome() {
  FaultOptions options;
  options.error_rate = 0.5;
  options.lost_reply_rate = 0.5;
  options.delayed_visibility_rate = 0.5;
  options.duplicate_listing_rate = 0.5;
  options.stale_head_rate = 0.5;
  auto home = std::make_shared<FaultHome>(MemoryHome::Create(), options);
  home->set_enabled(false);
  return home;
}

COVEN_HOME_CONFORMANCE(FaultHomeDisabled, MakeDisabledFaultHome);
COVEN_HOME_CONFORMANCE(FaultHomeNoFaults, [] {
  return HomeRef(
      std::make_shared<FaultHome>(MemoryHome::Create(), FaultOptions{}));
});

std::string Path(int i) { return "log/dev/" + std::to_string(10000 + i); }

TEST(FaultHomeTest, ErrorsHappenAtTheConfiguredRate) {
  auto inner = MemoryHome::Create();
  FaultHome home(inner, {.seed = 7, .error_rate = 0.2});
  int failures = 0;
  for (int i = 0; i < 2000; ++i) {
    Status s = home.Create(Path(i), AsBytes("x"));
    if (!s.ok()) {
      ++failures;
      EXPECT_EQ(s.code(), StatusCode::kUnavailable);
      EXPECT_EQ(s.message(),
                "injected fault: unavailable (create " + Path(i) + ")");
    }
  }
  EXPECT_NEAR(failures, 400, 100);
  EXPECT_EQ(home.stats().errors, static_cast<std::uint64_t>(failures));
  EXPECT_EQ(home.stats().creates, 2000u);
  // A failed call did nothing.
  EXPECT_EQ(inner->object_count(), 2000u - failures);
}

std::vector<StatusCode> RunScript(std::uint64_t seed) {
  FaultOptions options{.seed = seed,
                       .error_rate = 0.1,
                       .lost_reply_rate = 0.1,
                       .delayed_visibility_rate = 0.1,
                       .duplicate_listing_rate = 0.1,
                       .stale_head_rate = 0.1};
  FaultHome home(MemoryHome::Create(), options);
  std::vector<StatusCode> codes;
  for (int i = 0; i < 300; ++i) {
    codes.push_back(home.Create(Path(i), AsBytes("x")).code());
    codes.push_back(home.Get(Path(i / 2), kTestMaxRead).status().code());
    Result<ListPage> page = home.List("log/", "", 5);
    codes.push_back(page.status().code());
    codes.push_back(
        static_cast<StatusCode>(page.ok() ? page->objects.size() : 99));
  }
  return codes;
}

TEST(FaultHomeTest, SameSeedSameFaults) {
  EXPECT_EQ(RunScript(1), RunScript(1));
  EXPECT_EQ(RunScript(2), RunScript(2));
  EXPECT_NE(RunScript(1), RunScript(2));
}

TEST(FaultHomeTest, LostReplyStillStoresTheObject) {
  auto inner = MemoryHome::Create();
  FaultHome home(inner, {.seed = 3, .lost_reply_rate = 0.3});
  int lost = 0;
  for (int i = 0; i < 2000; ++i) {
    Status s = home.Create(Path(i), AsBytes("x"));
    if (!s.ok()) {
      ++lost;
      EXPECT_EQ(s.code(), StatusCode::kUnavailable);
      EXPECT_THAT(s.message(), StartsWith("injected fault: lost reply"));
    }
  }
  EXPECT_NEAR(lost, 600, 120);
  EXPECT_EQ(home.stats().lost_replies, static_cast<std::uint64_t>(lost));
  EXPECT_EQ(inner->object_count(), 2000u);
  // A retry of a lost create finds the object there.
  FaultHome always(inner, {.lost_reply_rate = 1});
  EXPECT_EQ(always.Create("log/x/1", AsBytes("v")).code(),
            StatusCode::kUnavailable);
  EXPECT_EQ(AsString(*inner->Get("log/x/1", kTestMaxRead)), "v");
}

TEST(FaultHomeTest, DelayedVisibilityHidesThenShows) {
  FaultHome home(MemoryHome::Create(),
                 {.delayed_visibility_rate = 1, .visibility_delay_ops = 5});
  ASSERT_TRUE(home.Create("log/a/1", AsBytes("x")).ok());  // Op 1.
  Result<Bytes> got = home.Get("log/a/1", kTestMaxRead);   // Op 2.
  EXPECT_EQ(got.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(got.status().message(), StartsWith("injected fault:"));
  Result<ListPage> page = home.List("log/", "", 10);  // Op 3.
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->objects.empty());
  EXPECT_FALSE(page->truncated);
  EXPECT_EQ(home.GetRange("log/a/1", 0, 1).status().code(),  // Op 4.
            StatusCode::kNotFound);
  EXPECT_EQ(home.Create("log/a/1", AsBytes("y")).code(),  // Op 5.
            StatusCode::kAlreadyExists);
  EXPECT_FALSE(home.Get("log/a/1", kTestMaxRead).ok());  // Op 6.
  got = home.Get("log/a/1", kTestMaxRead);               // Op 7: visible.
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(AsString(*got), "x");
  EXPECT_EQ(home.stats().delayed, 1u);

  // Healing reveals hidden objects at once.
  ASSERT_TRUE(home.Create("log/a/2", AsBytes("z")).ok());
  EXPECT_FALSE(home.Get("log/a/2", kTestMaxRead).ok());
  home.set_enabled(false);
  EXPECT_TRUE(home.Get("log/a/2", kTestMaxRead).ok());
}

TEST(FaultHomeTest, DelaysHappenAtTheConfiguredRate) {
  FaultHome home(MemoryHome::Create(),
                 {.seed = 5, .delayed_visibility_rate = 0.25});
  for (int i = 0; i < 2000; ++i) {
    ASSERT_TRUE(home.Create(Path(i), AsBytes("x")).ok());
  }
  EXPECT_NEAR(static_cast<double>(home.stats().delayed), 500, 100);
  // A listing stays consistent even when a whole page is hidden.
  Result<std::vector<ObjectInfo>> all = ListAll(home, "log/", kTestMaxList);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_GE(all->size(), 1995u);
}

TEST(FaultHomeTest, DuplicateListingRepeatsAnEntry) {
  auto inner = MemoryHome::Create();
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(inner->Create(Path(i), AsBytes("x")).ok());
  }
  FaultHome always(inner, {.duplicate_listing_rate = 1});
  Result<ListPage> page = always.List("log/", "", 10);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->objects.size(), 11u);
  int repeats = 0;
  for (std::size_t i = 1; i < page->objects.size(); ++i) {
    repeats += page->objects[i].path == page->objects[i - 1].path;
  }
  EXPECT_EQ(repeats, 1);
  Result<std::vector<ObjectInfo>> all = ListAll(always, "log/", kTestMaxList);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 50u);  // ListAll deduplicates.

  FaultHome half(inner, {.seed = 9, .duplicate_listing_rate = 0.5});
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(half.List("log/", "", 5).ok());
  EXPECT_NEAR(static_cast<double>(half.stats().duplicates), 500, 80);
}

TEST(FaultHomeTest, StaleHeadIsServedOnce) {
  auto inner = MemoryHome::Create();
  FaultHome home(inner, {.stale_head_rate = 1});
  ASSERT_TRUE(home.Replace("heads/d", AsBytes("v1")).ok());
  EXPECT_EQ(AsString(*home.Get("heads/d", kTestMaxRead)),
            "v1");  // No older version.
  ASSERT_TRUE(home.Replace("heads/d", AsBytes("v2")).ok());
  EXPECT_EQ(AsString(*home.Get("heads/d", kTestMaxRead)),
            "v1");  // Stale, once.
  EXPECT_EQ(AsString(*home.Get("heads/d", kTestMaxRead)), "v2");
  EXPECT_EQ(AsString(*home.Get("heads/d", kTestMaxRead)), "v2");
  ASSERT_TRUE(home.Create("log/d/1", AsBytes("a")).ok());
  EXPECT_EQ(AsString(*home.Get("log/d/1", kTestMaxRead)), "a");
  EXPECT_EQ(home.stats().stale_reads, 1u);

  FaultHome half(inner, {.seed = 11, .stale_head_rate = 0.5});
  int stale = 0;
  for (int i = 0; i < 400; ++i) {
    const std::string v = "v" + std::to_string(i);
    ASSERT_TRUE(half.Replace("heads/d", AsBytes(v)).ok());
    stale += AsString(*half.Get("heads/d", kTestMaxRead)) != v;
  }
  EXPECT_NEAR(stale, 200, 50);
  EXPECT_EQ(half.stats().stale_reads, static_cast<std::uint64_t>(stale));
}

TEST(FaultHomeTest, DisabledIsPassThrough) {
  auto inner = MemoryHome::Create();
  FaultHome home(inner, {.error_rate = 1});
  EXPECT_THAT(home.Get("log/a", kTestMaxRead).status().message(),
              HasSubstr("injected fault: unavailable (get log/a)"));
  home.set_enabled(false);
  ASSERT_TRUE(home.Create("log/a", AsBytes("x")).ok());
  ASSERT_TRUE(home.Replace("heads/a", AsBytes("x")).ok());
  EXPECT_TRUE(home.Get("log/a", kTestMaxRead).ok());
  EXPECT_TRUE(home.GetRange("log/a", 0, 1).ok());
  EXPECT_TRUE(home.List("", "", 10).ok());
  EXPECT_TRUE(home.Delete("log/a").ok());
  const FaultStats stats = home.stats();
  EXPECT_EQ(stats.errors, 1u);
  EXPECT_EQ(stats.gets, 2u);
  EXPECT_EQ(stats.creates + stats.replaces + stats.get_ranges + stats.lists +
                stats.deletes,
            5u);
  EXPECT_EQ(home.Describe(), "fault-injecting memory home");
  home.set_enabled(true);
  EXPECT_FALSE(home.Get("heads/a", kTestMaxRead).ok());
}

TEST(FaultHomeTest, ConcurrentCallsAreSafe) {
  auto inner = MemoryHome::Create();
  FaultHome home(inner, {.error_rate = 0.1, .lost_reply_rate = 0.1});
  std::atomic<int> acknowledged{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 250; ++i) {
        if (home.Create(Path(t * 1000 + i), AsBytes("x")).ok()) ++acknowledged;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  const FaultStats stats = home.stats();
  EXPECT_EQ(stats.creates, 1000u);
  EXPECT_EQ(acknowledged + stats.errors + stats.lost_replies, 1000u);
  EXPECT_EQ(inner->object_count(), 1000u - stats.errors);
}

}  // namespace
}  // namespace coven::home
