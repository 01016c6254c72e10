// The home registry: schemes plug into OpenHomeUrl without core edits, and
// an unregistered scheme says what to link and call. (The test binary has
// called coven::RegisterBuiltins(), see register_builtins.cc; the core-only
// view is tests/layering/core_only.cc.)
#include "coven/home_registry.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "coven/memory_home.h"

namespace coven::home {
namespace {

using ::testing::HasSubstr;
using ::testing::IsSupersetOf;
using ::testing::Not;

TEST(HomeRegistryTest, BuiltinsAreRegistered) {
  EXPECT_THAT(
      RegisteredHomeSchemes(),
      IsSupersetOf({"file", "memory", "rclone", "s3", "webdav", "webdavs"}));
}

TEST(HomeRegistryTest, NewSchemeOpensByUrlWithItsParameters) {
  HomeUrl seen;
  std::int64_t shards = 0;
  NetworkOptions network;
  ASSERT_TRUE(
      RegisterHome(
          "test+hub",
          [&](HomeUrl url, const HomeUrlContext& context) -> Result<HomeRef> {
            COVEN_RETURN_IF_ERROR(RefuseUrlCredentials(url));
            seen = url;
            COVEN_RETURN_IF_ERROR(TakePositiveIntParam(url, "shards", &shards));
            COVEN_RETURN_IF_ERROR(TakeNetworkParams(url, context, &network));
            COVEN_RETURN_IF_ERROR(CheckNoParamsLeft(url));
            EXPECT_EQ(context.env("TEST_HUB_TOKEN").value_or(""), "t0k");
            return HomeRef(MemoryHome::Create());
          })
          .ok());
  const EnvLookup env = [](const char* name) -> std::optional<std::string> {
    if (std::string_view(name) == "TEST_HUB_TOKEN") return "t0k";
    return std::nullopt;
  };

  Result<HomeRef> home = OpenHomeUrl(
      "test+hub://hub.example:443/lib%201?shards=3&attempts=2&note=a%26b", env);
  EXPECT_EQ(home.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(home.status().message(), HasSubstr("unknown parameter \"note\""));
  EXPECT_EQ(seen.scheme, "test+hub");
  EXPECT_EQ(seen.rest, "hub.example:443/lib%201");
  EXPECT_EQ(seen.params["note"], "a&b");

  home = OpenHomeUrl("test+hub://hub.example/lib?shards=3&attempts=2", env);
  ASSERT_TRUE(home.ok()) << home.status().ToString();
  EXPECT_EQ(shards, 3);
  EXPECT_EQ(network.max_attempts, 2);

  home = OpenHomeUrl("test+hub://hub.example/lib?shards=0", env);
  EXPECT_THAT(home.status().message(), HasSubstr("not a positive integer"));
  home = OpenHomeUrl("test+hub://me:hunter2@hub.example/lib", env);
  EXPECT_EQ(home.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(home.status().message(), Not(HasSubstr("hunter2")));
}

TEST(HomeRegistryTest, RegisteringAgainReplaces) {
  auto fails = [](HomeUrl, const HomeUrlContext&) -> Result<HomeRef> {
    return UnavailableError("first opener");
  };
  auto works = [](HomeUrl, const HomeUrlContext&) -> Result<HomeRef> {
    return HomeRef(MemoryHome::Create());
  };
  ASSERT_TRUE(RegisterHome("test2", fails).ok());
  EXPECT_EQ(OpenHomeUrl("test2://x").status().code(), StatusCode::kUnavailable);
  ASSERT_TRUE(RegisterHome("test2", works).ok());
  EXPECT_TRUE(OpenHomeUrl("test2://x").ok());
}

TEST(HomeRegistryTest, RefusesBadSchemesAndEmptyOpeners) {
  auto works = [](HomeUrl, const HomeUrlContext&) -> Result<HomeRef> {
    return HomeRef(MemoryHome::Create());
  };
  for (const char* scheme : {"", "Hub", "hub:", "h b", "hub/x"}) {
    EXPECT_EQ(RegisterHome(scheme, works).code(), StatusCode::kInvalidArgument)
        << scheme;
  }
  EXPECT_EQ(RegisterHome("test3", HomeOpener()).code(),
            StatusCode::kInvalidArgument);
}

TEST(HomeRegistryTest, UnknownSchemeIsNamedWithTheSupportedOnes) {
  Result<HomeRef> home = OpenHomeUrl("nosuch://x");
  EXPECT_EQ(home.status().code(), StatusCode::kInvalidArgument);
  const std::string message(home.status().message());
  EXPECT_THAT(message, HasSubstr("\"nosuch\" is not supported"));
  // The registered schemes, sorted (this binary registers more, hub too).
  EXPECT_THAT(message, HasSubstr("supported: file, hub, memory, "));
  EXPECT_THAT(message, HasSubstr("webdavs"));
  EXPECT_THAT(message, HasSubstr("docs/homes.md"));
  // Nothing a command-line user could not act on: the link advice is for a
  // scheme this project ships in a library the program did not link (see
  // tests/layering/core_only.cc).
  EXPECT_THAT(message, Not(HasSubstr("RegisterBuiltins")));
  EXPECT_THAT(message, Not(HasSubstr("RegisterHubHome")));
  EXPECT_THAT(message, Not(HasSubstr("RegisterHome")));
}

TEST(HomeRegistryTest, NearMissSchemesPointAtTheRightOne) {
  const std::string hubs(
      OpenHomeUrl("hubs://hub.example.com:50051/todos").status().message());
  EXPECT_THAT(hubs, HasSubstr("\"hubs\" is not supported"));
  EXPECT_THAT(hubs, HasSubstr("use hub://HOST:PORT/SPACE, which uses TLS"));
  EXPECT_THAT(hubs, HasSubstr("plaintext=1"));

  for (const char* url : {"http://dav.example.com/x", "https://s3.example/b"}) {
    const std::string web(OpenHomeUrl(url).status().message());
    EXPECT_THAT(web, HasSubstr("is not supported")) << url;
    EXPECT_THAT(web, HasSubstr("webdavs://HOST[:PORT]/PATH")) << url;
    EXPECT_THAT(web, HasSubstr("webdav://HOST[:PORT]/PATH")) << url;
    EXPECT_THAT(web, HasSubstr("s3://BUCKET")) << url;
    EXPECT_THAT(web, Not(HasSubstr("RegisterBuiltins"))) << url;
  }
}

}  // namespace
}  // namespace coven::home
