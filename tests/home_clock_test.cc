// Homes read time and randomness only through the injected clock and
// entropy: the network homes' retry backoff (and Retry-After) sleeps on a
// ManualClock, taking no real time, with jitter drawn from the given
// entropy; a folder home dates its leftover temporary files by its clock.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <vector>

#include "coven/config.h"
#include "coven/entropy.h"
#include "coven/folder_home.h"
#include "coven/home_url.h"
#include "coven/testing/manual_clock.h"
#include "fake_http_server.h"
#include "home/http/http_client.h"
#include "home/http/retry.h"
#include "test_servers.h"

namespace coven::home {
namespace {

using ::coven::testing::FakeHttpServer;
using ::coven::testing::FakeRequest;
using ::coven::testing::FakeResponse;
using ::coven::testing::ManualClock;
using ::coven::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using RealClock = std::chrono::steady_clock;

constexpr std::uint64_t kSeed = 42;

// Replies in turn with `statuses` (with a Retry-After header where the
// matching entry of `retry_after` is set), then 200 "ok"; records the manual
// clock's time at each request.
class ScriptedServer {
 public:
  ScriptedServer(ManualClock& clock, std::vector<long> statuses,
                 std::vector<std::string> retry_after)
      : clock_(clock),
        statuses_(std::move(statuses)),
        retry_after_(std::move(retry_after)),
        server_([this](const FakeRequest&) { return Reply(); }) {}

  std::string endpoint() const { return server_.endpoint(); }
  // The manual clock's advance between consecutive requests.
  std::vector<std::int64_t> Gaps() {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<std::int64_t> gaps;
    for (std::size_t i = 1; i < seen_at_.size(); ++i) {
      gaps.push_back(seen_at_[i] - seen_at_[i - 1]);
    }
    return gaps;
  }

 private:
  FakeResponse Reply() {
    std::lock_guard<std::mutex> lock(mutex_);
    const std::size_t n = seen_at_.size();
    seen_at_.push_back(clock_.NowMillis());
    FakeResponse response;
    response.body = ToBytes("ok");
    if (n < statuses_.size()) {
      response.status = statuses_[n];
      if (n < retry_after_.size() && !retry_after_[n].empty()) {
        response.headers = {{"Retry-After", retry_after_[n]}};
      }
    }
    return response;
  }

  ManualClock& clock_;
  std::vector<long> statuses_;
  std::vector<std::string> retry_after_;
  std::mutex mutex_;
  std::vector<std::int64_t> seen_at_;  // Guarded by mutex_.
  FakeHttpServer server_;              // Last: stopped first.
};

// The jitter the backoff draws for attempts 1..n from a fresh kSeed stream
// with `base` and `cap`: uniform in [0, min(cap, base * 2^(i-1))].
std::vector<std::int64_t> ExpectedJitter(int n, std::int64_t base,
                                         std::int64_t cap) {
  SeededEntropy entropy(kSeed);
  std::vector<std::int64_t> out;
  for (int i = 0; i < n; ++i) {
    const std::int64_t ceiling = std::min(cap, base << i);
    out.push_back(static_cast<std::int64_t>(
        entropy.Uniform(static_cast<std::uint64_t>(ceiling) + 1)));
  }
  return out;
}

NetworkOptions Manual(std::shared_ptr<ManualClock> clock) {
  NetworkOptions network;
  network.max_attempts = 4;
  network.retry_base_ms = 1'000;
  network.retry_cap_ms = 3'000;
  network.request_timeout_ms = 5'000;
  network.clock = std::move(clock);
  network.entropy = std::make_shared<SeededEntropy>(kSeed);
  return network;
}

TEST(HomeClockTest, RetriesSleepOnTheManualClockWithSeededJitter) {
  auto clock = std::make_shared<ManualClock>();
  // 503 with Retry-After 2 s (honoured), 503 with Retry-After 1 h (capped
  // at 3 s), 503 (jitter only), then 200.
  ScriptedServer server(*clock, {503, 503, 503}, {"2", "3600", ""});
  http::HttpClient client;
  http::HttpRequest request;
  request.url = server.endpoint() + "/x";
  const std::int64_t clock_start = clock->NowMillis();
  const auto real_start = RealClock::now();
  Result<http::HttpResponse> got = http::PerformWithRetries(
      client, request, Manual(clock), {"test home", "get", "x"},
      http::IsTransientStatus, nullptr);
  const auto real = RealClock::now() - real_start;
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->status, 200);
  const std::vector<std::int64_t> jitter = ExpectedJitter(3, 1'000, 3'000);
  // Each Retry-After is longer than the jitter ceiling of its attempt.
  EXPECT_THAT(server.Gaps(), ElementsAre(2'000, 3'000, jitter[2]));
  EXPECT_EQ(clock->NowMillis() - clock_start, 5'000 + jitter[2]);
  // Over 5 s of backoff, and no real sleeping.
  EXPECT_LT(real, std::chrono::milliseconds(1'000));
}

TEST(HomeClockTest, ConnectionRetriesBackOffOnTheManualClock) {
  auto clock = std::make_shared<ManualClock>();
  NetworkOptions network = Manual(clock);
  network.retry_base_ms = 10'000;
  network.retry_cap_ms = 60'000;
  http::HttpClient client;
  http::HttpRequest request;
  request.url = "http://127.0.0.1:9/x";  // Nothing listens on discard.
  const std::int64_t clock_start = clock->NowMillis();
  const auto real_start = RealClock::now();
  Result<http::HttpResponse> got = http::PerformWithRetries(
      client, request, network, {"test home", "get", "x"},
      http::IsTransientStatus, nullptr);
  const auto real = RealClock::now() - real_start;
  EXPECT_EQ(got.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(got.status().message(), HasSubstr("test home: get \"x\""));
  const std::vector<std::int64_t> jitter = ExpectedJitter(3, 10'000, 60'000);
  EXPECT_EQ(clock->NowMillis() - clock_start,
            jitter[0] + jitter[1] + jitter[2]);
  EXPECT_LT(real, std::chrono::milliseconds(1'000));
}

// The clock and entropy reach the home through OpenHomeUrl, as the sync
// manager passes its own.
TEST(HomeClockTest, HomeFromUrlRetriesOnTheHostClock) {
  auto clock = std::make_shared<ManualClock>();
  ScriptedServer server(*clock, {503}, {"60"});
  HomeUrlContext context;
  context.env = [](const char*) { return std::optional<std::string>(); };
  context.clock = clock;
  context.entropy = std::make_shared<SeededEntropy>(kSeed);
  const std::string url =
      "webdav://" + server.endpoint().substr(std::string("http://").size()) +
      "/dav?attempts=3";
  Result<HomeRef> home = OpenHomeUrl(url, context);
  ASSERT_TRUE(home.ok()) << home.status().ToString();
  const auto real_start = RealClock::now();
  Result<Bytes> got = (*home)->Get("a/b", 1'000);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(AsString(*got), "ok");
  // Retry-After 60 s, capped at the default 5 s.
  EXPECT_THAT(server.Gaps(), ElementsAre(5'000));
  EXPECT_LT(RealClock::now() - real_start, std::chrono::milliseconds(1'000));
}

// A temporary file a crashed writer left: removed when a folder home opens
// more than a day after it was written, by the home's clock.
TEST(HomeClockTest, FolderHomeDatesLeftoverTempsByItsClock) {
  TempDir dir("home-clock");
  ASSERT_FALSE(dir.path().empty());
  ASSERT_TRUE(FolderHome::OpenOrCreate(dir.path()).ok());
  const std::string leftover = dir.path() + "/.tmp/123-0-abc.tmp";
  const int fd = ::open(leftover.c_str(), O_CREAT | O_WRONLY, 0600);
  ASSERT_GE(fd, 0);
  ::close(fd);
  const std::int64_t real_now =
      std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count();
  constexpr std::int64_t kHour = 3'600'000;

  auto clock = std::make_shared<ManualClock>(real_now + 23 * kHour);
  ASSERT_TRUE(FolderHome::Open(dir.path(), clock).ok());
  EXPECT_TRUE(std::filesystem::exists(leftover)) << "removed after 23 h";

  clock->Set(real_now + 25 * kHour);
  HomeUrlContext context;
  context.clock = clock;
  ASSERT_TRUE(OpenHomeUrl("file://" + dir.path(), context).ok());
  EXPECT_FALSE(std::filesystem::exists(leftover)) << "kept after 25 h";
}

// config::OpenHome, as the sync manager calls it, hands its clock on.
TEST(HomeClockTest, ConfigOpenHomePassesTheClockToAFolderHome) {
  TempDir dir("home-clock");
  ASSERT_FALSE(dir.path().empty());
  ASSERT_TRUE(FolderHome::OpenOrCreate(dir.path()).ok());
  const std::string leftover = dir.path() + "/.tmp/456-0-def.tmp";
  const int fd = ::open(leftover.c_str(), O_CREAT | O_WRONLY, 0600);
  ASSERT_GE(fd, 0);
  ::close(fd);
  config::Config config;
  config.cloud_home =
      config::CloudHomeConfig{config::CloudProvider::kLocal, {}, dir.path()};
  ASSERT_TRUE(config::OpenHome(config).ok());
  EXPECT_TRUE(std::filesystem::exists(leftover));
  auto clock = std::make_shared<ManualClock>();
  clock->Set(std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count() +
             48 * 3'600'000LL);
  ASSERT_TRUE(config::OpenHome(config, clock).ok());
  EXPECT_FALSE(std::filesystem::exists(leftover));
}

}  // namespace
}  // namespace coven::home
