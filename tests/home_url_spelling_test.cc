// How a home is spelled: a URL scheme in any case opens like the lower-case
// one (RFC 3986), and a known scheme without its "//" (hub:host:1234,
// s3:bucket) is refused with the right form instead of becoming a folder.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "coven/config.h"
#include "coven/home_url.h"
#include "test_servers.h"

namespace coven::home {
namespace {

using ::coven::config::CloudHomeConfig;
using ::coven::config::CloudProvider;
using ::coven::config::HomeUrlFor;
using ::testing::HasSubstr;

EnvLookup NoEnv() {
  return [](const char*) -> std::optional<std::string> { return std::nullopt; };
}

TEST(HomeUrlSpellingTest, SchemesAreCaseInsensitive) {
  EXPECT_TRUE(IsHomeUrl("HUB://127.0.0.1:5000/lib"));
  EXPECT_TRUE(IsHomeUrl("S3://bucket/x"));
  EXPECT_TRUE(IsHomeUrl("Hub://127.0.0.1:5000/lib"));
  Result<HomeRef> memory = OpenHomeUrl("MEMORY://");
  ASSERT_TRUE(memory.ok()) << memory.status().ToString();
  testing::TempDir dir("spelling");
  Result<HomeRef> folder = OpenHomeUrl("File://" + dir.path());
  ASSERT_TRUE(folder.ok()) << folder.status().ToString();
  EXPECT_THAT((*folder)->Describe(), HasSubstr(dir.path()));
  // S3:// reaches the s3 opener, which asks for its keys like s3:// does.
  Result<HomeRef> s3 = OpenHomeUrl("S3://bucket/x", NoEnv());
  EXPECT_EQ(s3.status().code(), StatusCode::kUnauthenticated)
      << s3.status().ToString();
  EXPECT_THAT(s3.status().message(), HasSubstr("AWS_ACCESS_KEY_ID"));
}

TEST(HomeUrlSpellingTest, AKnownSchemeWithoutSlashesIsNotAFolder) {
  struct Case {
    const char* path;
    const char* meant;
  };
  for (const Case& c :
       {Case{"hub:host:1234", "hub://host:1234/SPACE"},
        Case{"HUB:host:1234/lib", "hub://host:1234/lib"},
        Case{"hub:/host:1234/lib", "hub://host:1234/lib"},
        Case{"s3:bucket", "s3://bucket"},
        Case{"S3:bucket/prefix", "s3://bucket/prefix"},
        Case{"webdavs:dav.example/x", "webdavs://dav.example/x"},
        Case{"file:/srv/home", "file:///srv/home"},
        Case{"hub:", "hub://HOST:PORT/SPACE"}}) {
    Status checked = CheckHomeFolderPath(c.path);
    EXPECT_EQ(checked.code(), StatusCode::kInvalidArgument) << c.path;
    EXPECT_THAT(checked.message(), HasSubstr("write " + std::string(c.meant)))
        << c.path;
    const std::string path = c.path;
    EXPECT_THAT(checked.message(), HasSubstr("to use a folder named \"" +
                                             path.substr(0, path.find('/')) +
                                             "\", write ./" + path))
        << c.path;
  }
  EXPECT_THAT(CheckHomeFolderPath("hub:host:1234").message(),
              HasSubstr("hub://HOST:PORT/SPACE"));
  for (const char* fine :
       {"./hub:x", "/srv/hub:x", "folder", "team/notes", "notes:2024",
        "hub://127.0.0.1:1/x", "HUB://127.0.0.1:1/x", "../s3:bucket", ""}) {
    EXPECT_TRUE(CheckHomeFolderPath(fine).ok())
        << fine << ": " << CheckHomeFolderPath(fine).ToString();
  }
}

TEST(HomeUrlSpellingTest, CloudHomeConfigTakesTheSameSpellings) {
  auto url = [](CloudProvider provider, std::string container) {
    Result<std::string> mapped =
        HomeUrlFor(CloudHomeConfig{provider, "me@example.com", container});
    return mapped.ok() ? *mapped : mapped.status().ToString();
  };
  EXPECT_EQ(url(CloudProvider::kLocal, "HUB://h:1/x"), "HUB://h:1/x");
  EXPECT_EQ(url(CloudProvider::kS3, "S3://bucket/p"), "S3://bucket/p");
  EXPECT_EQ(url(CloudProvider::kLocal, "./hub:x"), "file://./hub:x");
  EXPECT_THAT(url(CloudProvider::kLocal, "hub:h:1"),
              HasSubstr("write hub://h:1/SPACE"));
  EXPECT_THAT(url(CloudProvider::kLocal, "s3:bucket"),
              HasSubstr("write s3://bucket"));
}

}  // namespace
}  // namespace coven::home
