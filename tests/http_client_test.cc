// Unit tests of the network homes' shared plumbing: retries with backoff and
// Retry-After, transport error classes and percent-encoding (the XML reader
// has xml_reader_test.cc). The server is the loopback FakeHttpServer.
#include "home/http/http_client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>

#include "fake_http_server.h"
#include "home/http/retry.h"

namespace coven::home::http {
namespace {

using ::coven::testing::FakeHttpServer;
using ::coven::testing::FakeRequest;
using ::coven::testing::FakeResponse;
using ::testing::HasSubstr;

NetworkOptions Quick() {
  NetworkOptions network;
  network.max_attempts = 3;
  network.retry_base_ms = 1;
  network.retry_cap_ms = 5'000;
  network.request_timeout_ms = 2'000;
  return network;
}

TEST(HttpRetryTest, RetriesTransientStatusesThenSucceeds) {
  std::atomic<int> calls{0};
  FakeHttpServer server([&](const FakeRequest&) {
    FakeResponse response;
    response.status = ++calls < 3 ? 503 : 200;
    response.body = ToBytes("ok");
    return response;
  });
  HttpClient client;
  HttpRequest request;
  request.url = server.endpoint() + "/x";
  bool retried = false;
  Result<HttpResponse> got =
      PerformWithRetries(client, request, Quick(), {"test home", "get", "x"},
                         IsTransientStatus, &retried);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->status, 200);
  EXPECT_EQ(calls.load(), 3);
  EXPECT_TRUE(retried);
}

TEST(HttpRetryTest, GivesUpWithANamedError) {
  FakeHttpServer server([](const FakeRequest&) {
    FakeResponse response;
    response.status = 500;
    return response;
  });
  HttpClient client;
  HttpRequest request;
  request.url = server.endpoint() + "/x";
  Result<HttpResponse> got = PerformWithRetries(client, request, Quick(),
                                                {"test home", "get", "log/a/1"},
                                                IsTransientStatus, nullptr);
  EXPECT_EQ(got.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(got.status().message(),
              HasSubstr("test home: get \"log/a/1\": HTTP 500"));
  EXPECT_EQ(server.requests().size(), 3u);
}

TEST(HttpRetryTest, HonoursRetryAfter) {
  std::atomic<int> calls{0};
  FakeHttpServer server([&](const FakeRequest&) {
    FakeResponse response;
    if (++calls == 1) {
      response.status = 429;
      response.headers = {{"Retry-After", "1"}};
    }
    return response;
  });
  HttpClient client;
  HttpRequest request;
  request.url = server.endpoint() + "/x";
  const auto start = std::chrono::steady_clock::now();
  Result<HttpResponse> got =
      PerformWithRetries(client, request, Quick(), {"test home", "get", "x"},
                         IsTransientStatus, nullptr);
  const auto waited = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->status, 200);
  // The base backoff is 1 ms; only Retry-After explains a 1 s wait.
  EXPECT_GE(waited, std::chrono::milliseconds(950));
}

TEST(HttpRetryTest, TransportErrorsAreClassified) {
  HttpClient client;
  HttpRequest refused;
  refused.url = "http://127.0.0.1:9/x";  // Nothing listens on discard.
  EXPECT_EQ(client.Perform(refused).status().code(), StatusCode::kUnavailable);
  FakeHttpServer slow([](const FakeRequest&) {
    std::this_thread::sleep_for(std::chrono::milliseconds(800));
    return FakeResponse();
  });
  HttpRequest timed_out;
  timed_out.url = slow.endpoint() + "/x";
  timed_out.timeout = std::chrono::milliseconds(200);
  Result<HttpResponse> got = client.Perform(timed_out);
  EXPECT_EQ(got.status().code(), StatusCode::kDeadlineExceeded)
      << got.status().ToString();
  HttpRequest bad;
  bad.url = "file:///etc/passwd";  // Only http and https are allowed.
  EXPECT_FALSE(client.Perform(bad).ok());
}

TEST(HttpRetryTest, StatusMapping) {
  const OpName name{"h", "op", "p"};
  EXPECT_EQ(HttpStatusError(name, 401, "").code(),
            StatusCode::kUnauthenticated);
  EXPECT_EQ(HttpStatusError(name, 403, "").code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(HttpStatusError(name, 404, "").code(), StatusCode::kNotFound);
  EXPECT_EQ(HttpStatusError(name, 416, "").code(), StatusCode::kOutOfRange);
  EXPECT_EQ(HttpStatusError(name, 503, "").code(), StatusCode::kUnavailable);
  EXPECT_EQ(HttpStatusError(name, 429, "").code(), StatusCode::kUnavailable);
}

TEST(PercentEncodeTest, EncodesEverythingButUnreserved) {
  EXPECT_EQ(PercentEncode("aZ09-_.~/+= &%"), "aZ09-_.~%2F%2B%3D%20%26%25");
  EXPECT_EQ(PercentEncode("log/a b", /*keep_slash=*/true), "log/a%20b");
  EXPECT_EQ(PercentDecode("a%2Fb%zz%4"), "a/b%zz%4");
}

}  // namespace
}  // namespace coven::home::http
