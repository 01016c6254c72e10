// Opening homes by URL and mapping CloudHomeConfig onto URLs; the network
// cases use the real test servers.
#include "coven/home_url.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "coven/config.h"
#include "home_test_limits.h"
#include "test_servers.h"

namespace coven::home {
namespace {

using ::coven::config::CloudHomeConfig;
using ::coven::config::CloudProvider;
using ::coven::config::HomeUrlFor;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

EnvLookup FakeEnv(std::map<std::string, std::string> vars) {
  return [vars](const char* name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

TEST(HomeUrlTest, MemoryAndFileHomes) {
  Result<HomeRef> memory = OpenHomeUrl("memory://");
  ASSERT_TRUE(memory.ok()) << memory.status().ToString();
  EXPECT_EQ((*memory)->Describe(), "memory home");
  testing::TempDir dir("url");
  Result<HomeRef> folder = OpenHomeUrl("file://" + dir.path());
  ASSERT_TRUE(folder.ok()) << folder.status().ToString();
  ASSERT_TRUE((*folder)->Create("log/a/1", AsBytes("x")).ok());
  EXPECT_THAT((*folder)->Describe(), HasSubstr(dir.path()));
}

TEST(HomeUrlTest, RejectsBadUrlsWithoutEchoingCredentials) {
  for (const char* url :
       {"nothing", "ftp://x", "s3://bucket?colour=red", "memory://?x=1",
        "s3://bucket?addressing=sideways", "s3://bucket?create=maybe",
        "s3://bucket?attempts=0", "webdav://u:hunter2@host/x",
        "s3://AKIA:hunter2@bucket/x"}) {
    Result<HomeRef> home = OpenHomeUrl(url, FakeEnv({}));
    EXPECT_EQ(home.status().code(), StatusCode::kInvalidArgument) << url;
    EXPECT_THAT(home.status().message(), Not(HasSubstr("hunter2"))) << url;
  }
  Result<HomeRef> no_keys = OpenHomeUrl("s3://bucket", FakeEnv({}));
  EXPECT_EQ(no_keys.status().code(), StatusCode::kUnauthenticated);
  EXPECT_THAT(no_keys.status().message(), HasSubstr("AWS_ACCESS_KEY_ID"));
}

TEST(HomeUrlTest, S3UrlReachesS3rverWithEnvironmentCredentials) {
  testing::TestServer* server = testing::SharedS3rver();
  ASSERT_NE(server, nullptr);
  const std::string url = "s3://home/url-test/" + testing::UniqueName("s3") +
                          "?endpoint=" + server->endpoint() +
                          "&region=eu-west-1&listing=local&attempts=2";
  Result<HomeRef> home =
      OpenHomeUrl(url, FakeEnv({{"AWS_ACCESS_KEY_ID", "S3RVER"},
                                {"AWS_SECRET_ACCESS_KEY", "S3RVER"}}));
  ASSERT_TRUE(home.ok()) << home.status().ToString();
  EXPECT_THAT((*home)->Describe(), StartsWith("s3 home home/url-test/"));
  ASSERT_TRUE((*home)->Create("log/a/1", AsBytes("via url")).ok());
  Result<Bytes> got = (*home)->Get("log/a/1", kTestMaxRead);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(AsString(*got), "via url");
  EXPECT_FALSE((*home)->capabilities().server_sorted_list);
}

TEST(HomeUrlTest, WebDavUrlUsesEnvironmentCredentials) {
  testing::TestServer* server = testing::SharedWebDav();
  ASSERT_NE(server, nullptr);
  const std::string url =
      "webdav://127.0.0.1:" + std::to_string(server->port()) + "/" +
      testing::UniqueName("dav");
  Result<HomeRef> home = OpenHomeUrl(
      url, FakeEnv({{"COVEN_WEBDAV_USER", testing::kWebDavUser},
                    {"COVEN_WEBDAV_PASSWORD", testing::kWebDavPassword}}));
  ASSERT_TRUE(home.ok()) << home.status().ToString();
  EXPECT_TRUE((*home)->Replace("heads/a", AsBytes("h")).ok());
  // Without credentials the server refuses, and the error says which
  // variables to set.
  Result<HomeRef> anonymous = OpenHomeUrl(url, FakeEnv({}));
  ASSERT_TRUE(anonymous.ok()) << anonymous.status().ToString();
  Status refused = (*anonymous)->Replace("heads/a", AsBytes("h"));
  EXPECT_EQ(refused.code(), StatusCode::kUnauthenticated);
  EXPECT_THAT(refused.message(), HasSubstr("COVEN_WEBDAV_USER"));
}

TEST(HomeUrlTest, RcloneUrlOpensALocalRemote) {
  testing::TempDir dir("rclone-url");
  Result<HomeRef> home =
      OpenHomeUrl("rclone://:local:" + dir.path() + "?backend=local",
                  FakeEnv({{"COVEN_RCLONE", "/usr/bin/rclone"},
                           {"COVEN_RCLONE_CONFIG", "/dev/null"}}));
  ASSERT_TRUE(home.ok()) << home.status().ToString();
  ASSERT_TRUE((*home)->Create("log/a/1", AsBytes("r")).ok());
  Result<HomeRef> icloud =
      OpenHomeUrl("rclone://icloud:coven?backend=iclouddrive",
                  FakeEnv({{"COVEN_RCLONE", "/usr/bin/rclone"},
                           {"COVEN_RCLONE_CONFIG", "/dev/null"}}));
  EXPECT_EQ(icloud.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(icloud.status().message(), HasSubstr("backend unavailable"));
}

TEST(HomeUrlTest, CloudHomeConfigMapsOntoUrls) {
  auto url = [](CloudProvider provider, std::optional<std::string> container) {
    Result<std::string> mapped =
        HomeUrlFor(CloudHomeConfig{provider, "me@example.com", container});
    return mapped.ok() ? *mapped : mapped.status().ToString();
  };
  EXPECT_EQ(url(CloudProvider::kLocal, "/srv/home"), "file:///srv/home");
  EXPECT_EQ(url(CloudProvider::kLocal, "s3://b/p"), "s3://b/p");
  EXPECT_EQ(url(CloudProvider::kS3, "bucket/todos?region=eu-west-1"),
            "s3://bucket/todos?region=eu-west-1");
  EXPECT_EQ(url(CloudProvider::kGoogleDrive, "apps/todos"),
            "rclone://gdrive:apps/todos?backend=drive");
  EXPECT_EQ(url(CloudProvider::kGoogleDrive, "work:apps/todos"),
            "rclone://work:apps/todos?backend=drive");
  EXPECT_EQ(url(CloudProvider::kDropbox, std::nullopt),
            "rclone://dropbox:coven?backend=dropbox");
  EXPECT_EQ(url(CloudProvider::kOneDrive, "coven"),
            "rclone://onedrive:coven?backend=onedrive");
  EXPECT_EQ(url(CloudProvider::kICloud, "coven"),
            "rclone://icloud:coven?backend=iclouddrive");
  EXPECT_THAT(url(CloudProvider::kS3, std::nullopt),
              HasSubstr("INVALID_ARGUMENT"));
}

}  // namespace
}  // namespace coven::home
