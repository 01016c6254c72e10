// WebDavHome against a real `rclone serve webdav` on 127.0.0.1: the
// conformance suite (directly and behind FaultHome), parent folders, folder
// safety and errors.
#include "coven/webdav_home.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "coven/testing/fault_home.h"
#include "home_conformance.h"
#include "home_test_limits.h"
#include "test_servers.h"

namespace coven::home {
namespace {

using ::coven::testing::SharedWebDav;
using ::coven::testing::UniqueName;
using ::testing::HasSubstr;
using ::testing::Not;

WebDavHomeOptions DavOptions(const std::string& folder) {
  WebDavHomeOptions options;
  testing::TestServer* server = SharedWebDav();
  options.url =
      (server ? server->endpoint() : "http://127.0.0.1:1") + "/" + folder;
  options.user = testing::kWebDavUser;
  options.password = testing::kWebDavPassword;
  return options;
}

HomeRef MakeFreshWebDavHome() {
  if (SharedWebDav() == nullptr) return nullptr;
  auto home = WebDavHome::Open(DavOptions("t/" + UniqueName("case")));
  if (!home.ok()) {
    ADD_FAILURE() << home.status().ToString();
    return nullptr;
  }
  return *home;
}

COVEN_HOME_CONFORMANCE(WebDav, MakeFreshWebDavHome);
COVEN_HOME_CONFORMANCE(WebDavBehindFaultHome, [] {
  HomeRef inner = MakeFreshWebDavHome();
  return inner ? HomeRef(std::make_shared<testing::FaultHome>(
                     inner, testing::FaultOptions{}))
               : nullptr;
});

TEST(WebDavHomeTest, MakesParentFoldersAndNeverDeletesOne) {
  testing::TestServer* server = SharedWebDav();
  ASSERT_NE(server, nullptr);
  const std::string folder = UniqueName("dirs");
  auto home = WebDavHome::Open(DavOptions(folder));
  ASSERT_TRUE(home.ok()) << home.status().ToString();
  EXPECT_TRUE((*home)->capabilities().needs_parent_dirs);
  // rclone serve webdav ignores If-None-Match, which the probe notices.
  EXPECT_EQ((*home)->capabilities().conditional_create,
            CreateSupport::kEmulated);
  ASSERT_TRUE((*home)->Create("log/aa/bb/0001", AsBytes("deep")).ok());
  EXPECT_TRUE(std::filesystem::is_regular_file(server->dir() + "/" + folder +
                                               "/log/aa/bb/0001"));
  Status folder_delete = (*home)->Delete("log/aa");
  EXPECT_EQ(folder_delete.code(), StatusCode::kFailedPrecondition)
      << folder_delete.ToString();
  EXPECT_TRUE((*home)->Get("log/aa/bb/0001", kTestMaxRead).ok());
  // A folder removed behind the home's back is made again.
  std::filesystem::remove_all(server->dir() + "/" + folder + "/log");
  EXPECT_TRUE((*home)->Create("log/aa/bb/0002", AsBytes("again")).ok());
}

TEST(WebDavHomeTest, WrongPasswordIsUnauthenticatedWithoutSecrets) {
  WebDavHomeOptions options = DavOptions(UniqueName("auth"));
  options.password = "wrong-secret-789";
  options.create_mode = WebDavHomeOptions::CreateMode::kEmulated;
  auto home = WebDavHome::Open(options);
  ASSERT_TRUE(home.ok()) << home.status().ToString();
  Status s = (*home)->Create("log/a/1", AsBytes("x"));
  EXPECT_EQ(s.code(), StatusCode::kUnauthenticated) << s.ToString();
  EXPECT_THAT(s.message(), HasSubstr("webdav home"));
  EXPECT_THAT(s.message(), HasSubstr("create \"log/a/1\""));
  EXPECT_THAT(s.message(), HasSubstr("COVEN_WEBDAV_PASSWORD"));
  EXPECT_THAT(s.message(), Not(HasSubstr("wrong-secret-789")));
}

TEST(WebDavHomeTest, OpenRejectsCredentialsInTheUrl) {
  WebDavHomeOptions options;
  options.url = "http://user:pw@127.0.0.1:1/x";
  Result<std::shared_ptr<WebDavHome>> home = WebDavHome::Open(options);
  EXPECT_EQ(home.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(home.status().message(), Not(HasSubstr("pw@")));
}

}  // namespace
}  // namespace coven::home
