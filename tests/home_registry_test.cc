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

TEST(HomeRegistryTest, UnregisteredSchemeSaysWhatToLinkAndCall) {
  Result<HomeRef> home = OpenHomeUrl("nosuch://x");
  EXPECT_EQ(home.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(home.status().message(), HasSubstr("\"nosuch\""));
  // The registered schemes, sorted (this binary registers more, hub too).
  EXPECT_THAT(home.status().message(), HasSubstr("registered: file, "));
  EXPECT_THAT(home.status().message(), HasSubstr("memory"));
  EXPECT_THAT(home.status().message(),
              HasSubstr("coven::hub::RegisterHubHome()"));
  EXPECT_THAT(home.status().message(),
              HasSubstr("call coven::RegisterBuiltins()"));
}

}  // namespace
}  // namespace coven::home
