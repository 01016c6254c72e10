// Create-once when a reply is lost: a scripted object server that honours
// If-None-Match (as AWS S3, MinIO, Apache and Nextcloud do) stores a PUT and
// then answers 500. The home's retry finds the path occupied; with its own
// bytes there, Create succeeds (idempotent), with other bytes it is
// kAlreadyExists. Also: racing creators against native create-once.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "coven/s3_home.h"
#include "coven/webdav_home.h"
#include "fake_http_server.h"
#include "home_test_limits.h"

namespace coven::home {
namespace {

using ::coven::testing::FakeHttpServer;
using ::coven::testing::FakeRequest;
using ::coven::testing::FakeResponse;

// An object store keyed by request path that honours If-None-Match: *.
class ScriptedStore {
 public:
  FakeResponse Handle(const FakeRequest& request) {
    std::lock_guard<std::mutex> lock(mutex_);
    const std::string path = request.target.substr(0, request.target.find('?'));
    FakeResponse response;
    if (request.method == "PUT") {
      if (request.Header("if-none-match") == "*" && objects_.count(path)) {
        response.status = 412;
        return response;
      }
      objects_[path] = request.body;
      response.status = 200;
      if (lose_next_reply_) {
        lose_next_reply_ = false;
        response.status = 500;  // Done, but the client never hears of it.
        // Another writer got in before the client's retry.
        if (overwrite_.has_value()) objects_[path] = *overwrite_;
      }
      return response;
    }
    if (request.method == "MKCOL") {
      response.status = 201;
      return response;
    }
    auto it = objects_.find(path);
    if (request.method == "GET" || request.method == "HEAD") {
      if (it == objects_.end()) {
        response.status = 404;
      } else {
        response.body = it->second;
        if (request.method == "HEAD") {
          response.headers = {
              {"Content-Length", std::to_string(it->second.size())}};
        }
      }
      return response;
    }
    if (request.method == "DELETE") {
      if (it != objects_.end()) objects_.erase(it);
      response.status = 204;
      return response;
    }
    response.status = 405;
    return response;
  }
  /// The next PUT is stored (then replaced by `overwrite`, if given) and
  /// answered with 500.
  void LoseNextReply(std::optional<Bytes> overwrite = std::nullopt) {
    std::lock_guard<std::mutex> lock(mutex_);
    lose_next_reply_ = true;
    overwrite_ = std::move(overwrite);
  }

 private:
  std::mutex mutex_;
  std::map<std::string, Bytes> objects_;
  bool lose_next_reply_ = false;
  std::optional<Bytes> overwrite_;
};

NetworkOptions Quick() {
  NetworkOptions network;
  network.retry_base_ms = 1;
  network.retry_cap_ms = 10;
  return network;
}

HomeRef ScriptedS3(const std::string& endpoint) {
  S3HomeOptions options;
  options.endpoint = endpoint;
  options.bucket = "b";
  options.credentials = {"AKID", "secret", ""};
  options.network = Quick();
  auto home = S3Home::Open(options);  // create=probe: finds native.
  EXPECT_TRUE(home.ok()) << home.status().ToString();
  return home.ok() ? HomeRef(*home) : nullptr;
}

HomeRef ScriptedWebDav(const std::string& endpoint) {
  WebDavHomeOptions options;
  options.url = endpoint + "/dav";
  options.network = Quick();
  auto home = WebDavHome::Open(options);
  EXPECT_TRUE(home.ok()) << home.status().ToString();
  return home.ok() ? HomeRef(*home) : nullptr;
}

class LostReplyTest
    : public ::testing::TestWithParam<HomeRef (*)(const std::string&)> {
 protected:
  ScriptedStore store_;
  FakeHttpServer server_{
      [this](const FakeRequest& request) { return store_.Handle(request); }};
};

TEST_P(LostReplyTest, RetryAfterALostReplyIsIdempotent) {
  HomeRef home = GetParam()(server_.endpoint());
  ASSERT_NE(home, nullptr);
  EXPECT_EQ(home->capabilities().conditional_create, CreateSupport::kNative);
  store_.LoseNextReply();
  Status created = home->Create("log/a/1", AsBytes("mine"));
  EXPECT_TRUE(created.ok()) << created.ToString();
  Result<Bytes> got = home->Get("log/a/1", kTestMaxRead);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(AsString(*got), "mine");
  // A later, separate Create of the same path is a conflict, same bytes or
  // not: only a retry inside one call can be "our own earlier attempt".
  EXPECT_EQ(home->Create("log/a/1", AsBytes("mine")).code(),
            StatusCode::kAlreadyExists);
}

TEST_P(LostReplyTest, RacingCreatorsHaveOneWinner) {
  HomeRef home = GetParam()(server_.endpoint());
  ASSERT_NE(home, nullptr);
  constexpr int kCreators = 4;
  Status results[kCreators];
  std::latch start(kCreators);
  std::vector<std::thread> threads;
  for (int t = 0; t < kCreators; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      results[t] = home->Create("log/race/1", AsBytes(std::to_string(t)));
    });
  }
  for (std::thread& thread : threads) thread.join();
  int winners = 0;
  for (const Status& s : results) {
    if (s.ok()) {
      ++winners;
    } else {
      EXPECT_EQ(s.code(), StatusCode::kAlreadyExists) << s.ToString();
    }
  }
  EXPECT_EQ(winners, 1);
}

INSTANTIATE_TEST_SUITE_P(Homes, LostReplyTest,
                         ::testing::Values(&ScriptedS3, &ScriptedWebDav),
                         [](const auto& info) {
                           return info.index == 0 ? std::string("S3")
                                                  : std::string("WebDav");
                         });

TEST_P(LostReplyTest, OtherBytesAfterALostReplyAreAConflict) {
  HomeRef home = GetParam()(server_.endpoint());
  ASSERT_NE(home, nullptr);
  ASSERT_EQ(home->capabilities().conditional_create, CreateSupport::kNative);
  // The first attempt's reply is lost and another writer's bytes are there
  // by the retry: the retry must not claim the path.
  store_.LoseNextReply(ToBytes("theirs"));
  Status created = home->Create("log/a/2", AsBytes("mine"));
  EXPECT_EQ(created.code(), StatusCode::kAlreadyExists) << created.ToString();
}

}  // namespace
}  // namespace coven::home
