// hub:// URLs: what opens, what is refused and why, and what a hub home
// answers without the device's key. No hub is needed: opening connects
// lazily, and the refusals come before any call.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>

#include "coven/entropy.h"
#include "coven/home_registry.h"
#include "coven/home_url.h"
#include "coven/hub_home.h"
#include "coven/remote.h"
#include "coven/testing/manual_clock.h"

namespace coven::hub {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

home::EnvLookup FakeEnv(std::map<std::string, std::string> vars) {
  return [vars](const char* name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

Result<home::HomeRef> Open(const std::string& url,
                           std::map<std::string, std::string> env = {}) {
  home::HomeUrlContext context;
  context.env = FakeEnv(std::move(env));
  return home::OpenHomeUrl(url, context);
}

TEST(HubUrlTest, OpensWithoutConnecting) {
  Result<home::HomeRef> home =
      Open("hub://127.0.0.1:1/team.notes-1?plaintext=1&timeout_ms=500");
  ASSERT_TRUE(home.ok()) << home.status().ToString();
  EXPECT_EQ((*home)->Describe(), "hub home hub://127.0.0.1:1/team.notes-1");
  EXPECT_TRUE((*home)->capabilities().atomic_create());
  EXPECT_GT((*home)->capabilities().parallel_reads, 1u);
  // TLS (the default) opens too: the roots are the system's.
  EXPECT_TRUE(Open("hub://hub.example.org:443/space").ok());
}

TEST(HubUrlTest, RefusesBadUrlsWithoutEchoingCredentials) {
  for (const char* url : {
           "hub://u:hunter2@127.0.0.1:1/space?plaintext=1",
           "hub://127.0.0.1/space?plaintext=1",        // no port
           "hub://127.0.0.1:0/space?plaintext=1",      // port 0
           "hub://127.0.0.1:99999/space?plaintext=1",  // port too large
           "hub://127.0.0.1:1?plaintext=1",            // no space
           "hub://127.0.0.1:1/?plaintext=1",           // empty space
           "hub://127.0.0.1:1/Space?plaintext=1",      // upper case
           "hub://127.0.0.1:1/.hidden?plaintext=1",    // leading dot
           "hub://127.0.0.1:1/a/b?plaintext=1",        // two names
           "hub://127.0.0.1:1/space?plaintext=yes",
           "hub://127.0.0.1:1/space?colour=red",
           "hub://127.0.0.1:1/space?attempts=0",
           "hub://127.0.0.1:1/space?timeout_ms=-5",
           "hub://127.0.0.1:1/space?plaintext=1&ca=/etc/hostname",
       }) {
    Result<home::HomeRef> home = Open(url);
    EXPECT_EQ(home.status().code(), StatusCode::kInvalidArgument) << url;
    EXPECT_THAT(home.status().message(), Not(HasSubstr("hunter2"))) << url;
  }
  EXPECT_THAT(Open("hub://127.0.0.1:1/space?colour=red").status().message(),
              HasSubstr("colour"));
  EXPECT_THAT(Open("hub://127.0.0.1:1/Space").status().message(),
              HasSubstr("space"));
}

TEST(HubUrlTest, CaFileMustHoldACertificate) {
  const std::string missing = "/nonexistent/coven-hub-ca.pem";
  Result<home::HomeRef> by_param = Open("hub://h:1/space?ca=" + missing);
  EXPECT_EQ(by_param.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(by_param.status().message(), HasSubstr(missing));
  Result<home::HomeRef> by_env =
      Open("hub://h:1/space", {{"COVEN_HUB_CA_FILE", missing}});
  EXPECT_EQ(by_env.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(by_env.status().message(), HasSubstr(missing));
  // plaintext=1 ignores the environment's CA file.
  EXPECT_TRUE(
      Open("hub://h:1/space?plaintext=1", {{"COVEN_HUB_CA_FILE", missing}})
          .ok());
  // A file that is no PEM bundle.
  char name[] = "/tmp/coven-hub-ca-XXXXXX";
  const int fd = mkstemp(name);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(write(fd, "not a certificate\n", 18), 18);
  close(fd);
  Result<home::HomeRef> junk = Open(std::string("hub://h:1/space?ca=") + name);
  std::remove(name);
  EXPECT_EQ(junk.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(junk.status().message(), HasSubstr("no PEM certificate"));
}

TEST(HubUrlTest, WithoutCredentialsOnlyTheMarkerCanBeAsked) {
  Result<home::HomeRef> opened = Open("hub://127.0.0.1:1/space?plaintext=1");
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  home::Home& home = **opened;
  // Refused before any call, saying what is missing.
  Result<Bytes> got = home.Get("log/0000000000000001/0000000000000001", 100);
  EXPECT_EQ(got.status().code(), StatusCode::kUnauthenticated);
  EXPECT_THAT(got.status().message(), HasSubstr("needs this device's key"));
  EXPECT_EQ(home.Create("members/0000000000000001", AsBytes("x")).code(),
            StatusCode::kUnauthenticated);
  EXPECT_EQ(home.Replace("heads/0000000000000001", AsBytes("x")).code(),
            StatusCode::kUnauthenticated);
  EXPECT_EQ(home.GetRange("keys/a/b", 0, 1).status().code(),
            StatusCode::kUnauthenticated);
  Status deleted = home.Delete("coven-library.json");
  EXPECT_EQ(deleted.code(), StatusCode::kUnimplemented);
  EXPECT_THAT(deleted.message(), HasSubstr("never deletes"));
  // Its native Remote has no hints to wait for without a key.
  remote::RemoteRef remote = remote::RemoteFor(*opened);
  ASSERT_NE(remote, nullptr);
  EXPECT_EQ(remote, remote::RemoteFor(*opened));  // one per home
  Result<remote::WaitOutcome> waited = remote->WaitForChange(0);
  ASSERT_TRUE(waited.ok());
  EXPECT_EQ(*waited, remote::WaitOutcome::kUnsupported);
}

TEST(HubUrlTest, UnreachableHubIsRetriedOnTheHostsClock) {
  // Nothing listens on port 1: every try is UNAVAILABLE. The backoff sleeps
  // on the manual clock, which advances instead of waiting.
  auto clock = std::make_shared<coven::testing::ManualClock>();
  home::HomeUrlContext context;
  context.env = FakeEnv({});
  context.clock = clock;
  context.entropy = std::make_shared<SeededEntropy>(7);
  Result<home::HomeRef> opened = home::OpenHomeUrl(
      "hub://127.0.0.1:1/space?plaintext=1&attempts=3&timeout_ms=2000",
      context);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  const std::int64_t before = clock->NowMillis();
  Result<Bytes> marker = (*opened)->Get("coven-library.json", 4096);
  EXPECT_EQ(marker.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(marker.status().message(),
              HasSubstr("hub home hub://127.0.0.1:1/space"));
  // Two waits of up to 100 and 200 ms; seeded jitter makes them non-zero.
  EXPECT_GT(clock->NowMillis(), before);
  EXPECT_LE(clock->NowMillis(), before + 300);
  // Without credentials, listing a space needs the probe too.
  EXPECT_EQ((*opened)->List("members/", "", 10).status().code(),
            StatusCode::kUnavailable);
}

}  // namespace
}  // namespace coven::hub
