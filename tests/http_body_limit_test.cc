// HttpClient's reply body limits: a 2xx body over max_body_bytes is refused
// from its Content-Length before it is read, or as it arrives without one;
// the refusal is not retried; keep_prefix keeps the start instead; error
// bodies keep only their first kMaxErrorBodyBytes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>

#include "fake_http_server.h"
#include "home/http/http_client.h"
#include "home/http/retry.h"

namespace coven::home::http {
namespace {

using ::coven::testing::FakeHttpServer;
using ::coven::testing::FakeRequest;
using ::coven::testing::FakeResponse;
using ::testing::HasSubstr;

constexpr std::size_t kBig = 1 << 20;

// Serves kBig bytes with `status`, with or without a Content-Length.
FakeHttpServer::Handler Big(long status, bool with_length,
                            std::atomic<int>* calls) {
  return [=](const FakeRequest&) {
    ++*calls;
    FakeResponse response;
    response.status = status;
    response.body = Bytes(kBig, 'x');
    response.no_content_length = !with_length;
    return response;
  };
}

Result<HttpResponse> Get(const FakeHttpServer& server, std::uint64_t limit,
                         bool keep_prefix = false) {
  HttpClient client;
  HttpRequest request;
  request.url = server.endpoint() + "/x";
  request.max_body_bytes = limit;
  request.keep_prefix = keep_prefix;
  NetworkOptions network;
  network.max_attempts = 3;
  network.retry_base_ms = 1;
  return PerformWithRetries(client, request, network, {"test home", "get", "x"},
                            IsTransientStatus, nullptr);
}

TEST(HttpBodyLimitTest, AnnouncedBodyOverTheLimitIsRefusedOnce) {
  std::atomic<int> calls{0};
  FakeHttpServer server(Big(200, /*with_length=*/true, &calls));
  Result<HttpResponse> got = Get(server, 1000);
  ASSERT_EQ(got.status().code(), StatusCode::kResourceExhausted)
      << got.status().ToString();
  EXPECT_THAT(got.status().message(),
              HasSubstr("is 1048576 bytes, over the limit of 1000 bytes"));
  EXPECT_THAT(got.status().message(), HasSubstr("test home: get \"x\""));
  EXPECT_EQ(calls.load(), 1);  // Not retried: it would be as large again.
}

TEST(HttpBodyLimitTest, UnannouncedBodyIsCutOffAtTheLimit) {
  std::atomic<int> calls{0};
  FakeHttpServer server(Big(200, /*with_length=*/false, &calls));
  Result<HttpResponse> got = Get(server, 1000);
  ASSERT_EQ(got.status().code(), StatusCode::kResourceExhausted)
      << got.status().ToString();
  EXPECT_THAT(got.status().message(),
              HasSubstr("is larger, over the limit of 1000 bytes"));
  EXPECT_EQ(calls.load(), 1);
}

TEST(HttpBodyLimitTest, BodyAtTheLimitIsRead) {
  std::atomic<int> calls{0};
  for (bool with_length : {true, false}) {
    FakeHttpServer server(Big(200, with_length, &calls));
    Result<HttpResponse> got = Get(server, kBig);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(got->body.size(), kBig);
  }
}

TEST(HttpBodyLimitTest, KeepPrefixKeepsTheStart) {
  std::atomic<int> calls{0};
  for (bool with_length : {true, false}) {
    FakeHttpServer server(Big(200, with_length, &calls));
    Result<HttpResponse> got = Get(server, 1000, /*keep_prefix=*/true);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(got->status, 200);
    EXPECT_EQ(got->body, Bytes(1000, 'x'));
  }
}

TEST(HttpBodyLimitTest, ErrorBodiesKeepOnlyTheirStart) {
  std::atomic<int> calls{0};
  FakeHttpServer server(Big(404, /*with_length=*/true, &calls));
  Result<HttpResponse> got = Get(server, 10);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->status, 404);
  EXPECT_EQ(got->body.size(), kMaxErrorBodyBytes);
}

}  // namespace
}  // namespace coven::home::http
