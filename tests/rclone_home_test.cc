// RcloneHome with a real `rclone rcd` (started by the home) on on-the-fly
// remotes: a local folder, and a WebDAV remote pointed at
// `rclone serve webdav`. Conformance (directly and behind FaultHome), backend
// checks and errors.
#include "coven/rclone_home.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdio.h>

#include <chrono>
#include <filesystem>

#include "coven/testing/fault_home.h"
#include "home_conformance.h"
#include "home_test_limits.h"
#include "test_servers.h"

namespace coven::home {
namespace {

using ::coven::testing::TempDir;
using ::coven::testing::UniqueName;
using ::testing::HasSubstr;
using ::testing::Not;

// A fresh home on ":local:<dir>"; the directory goes with the home.
HomeRef MakeFreshLocalRcloneHome() {
  auto dir = std::make_shared<TempDir>("rclone-home");
  RcloneHomeOptions options;
  options.remote = ":local:" + dir->path();
  options.rclone = "/usr/bin/rclone";
  options.config_path = "/dev/null";
  auto home = RcloneHome::Open(options);
  if (!home.ok()) {
    ADD_FAILURE() << home.status().ToString();
    return nullptr;
  }
  std::shared_ptr<RcloneHome> owner = *home;
  return HomeRef(owner.get(), [owner, dir](Home*) mutable {
    owner.reset();
    dir.reset();
  });
}

// `rclone obscure`d password for on-the-fly WebDAV remotes.
std::string Obscured(const std::string& password) {
  FILE* pipe = ::popen(("/usr/bin/rclone obscure " + password).c_str(), "r");
  if (pipe == nullptr) return "";
  char buffer[256] = {0};
  const std::size_t n = fread(buffer, 1, sizeof(buffer) - 1, pipe);
  ::pclose(pipe);
  std::string out(buffer, n);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

// A remote "cvdav:<folder>" defined through the rcd's environment, pointed
// at the shared `rclone serve webdav`.
RcloneHomeOptions WebDavRemoteOptions(const std::string& folder) {
  RcloneHomeOptions options;
  testing::TestServer* server = testing::SharedWebDav();
  if (server == nullptr) return options;
  options.remote = "cvdav:" + folder;
  options.rclone = "/usr/bin/rclone";
  options.config_path = "/dev/null";
  options.env = {
      {"RCLONE_CONFIG_CVDAV_TYPE", "webdav"},
      {"RCLONE_CONFIG_CVDAV_URL", server->endpoint()},
      {"RCLONE_CONFIG_CVDAV_USER", testing::kWebDavUser},
      {"RCLONE_CONFIG_CVDAV_PASS", Obscured(testing::kWebDavPassword)}};
  return options;
}

HomeRef MakeFreshWebDavRcloneHome() {
  RcloneHomeOptions options = WebDavRemoteOptions(UniqueName("rclone"));
  if (options.remote.empty()) return nullptr;
  auto home = RcloneHome::Open(options);
  if (!home.ok()) {
    ADD_FAILURE() << home.status().ToString();
    return nullptr;
  }
  return *home;
}

COVEN_HOME_CONFORMANCE(RcloneLocal, MakeFreshLocalRcloneHome);
COVEN_HOME_CONFORMANCE(RcloneLocalBehindFaultHome, [] {
  HomeRef inner = MakeFreshLocalRcloneHome();
  return inner ? HomeRef(std::make_shared<testing::FaultHome>(
                     inner, testing::FaultOptions{}))
               : nullptr;
});

// The WebDAV-backed remote costs tens of milliseconds per operation (rclone's
// pacer), so it gets a focused round trip instead of the whole suite.
TEST(RcloneHomeTest, WebDavBackedRemoteRoundTrip) {
  HomeRef home = MakeFreshWebDavRcloneHome();
  ASSERT_NE(home, nullptr);
  Bytes all_bytes(256);
  for (int i = 0; i < 256; ++i) all_bytes[i] = static_cast<std::uint8_t>(i);
  ASSERT_TRUE(
      home->Create("log/0000000000000001/0000000000000001", all_bytes).ok());
  EXPECT_EQ(home->Create("log/0000000000000001/0000000000000001", AsBytes("x"))
                .code(),
            StatusCode::kAlreadyExists);
  ASSERT_TRUE(home->Create("log/0000000000000001/0000000000000002", {}).ok());
  ASSERT_TRUE(home->Replace("heads/0000000000000001", AsBytes("h1")).ok());
  ASSERT_TRUE(home->Replace("heads/0000000000000001", AsBytes("h2")).ok());
  Result<Bytes> got =
      home->Get("log/0000000000000001/0000000000000001", kTestMaxRead);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, all_bytes);
  Result<Bytes> part =
      home->GetRange("log/0000000000000001/0000000000000001", 250, 6);
  ASSERT_TRUE(part.ok()) << part.status().ToString();
  EXPECT_EQ(*part, Bytes(all_bytes.begin() + 250, all_bytes.end()));
  EXPECT_EQ(home->GetRange("log/0000000000000001/0000000000000001", 250, 7)
                .status()
                .code(),
            StatusCode::kOutOfRange);
  EXPECT_EQ(home->Get("log/0000000000000001/0000000000000009", kTestMaxRead)
                .status()
                .code(),
            StatusCode::kNotFound);
  Result<Bytes> head = home->Get("heads/0000000000000001", kTestMaxRead);
  ASSERT_TRUE(head.ok()) << head.status().ToString();
  EXPECT_EQ(AsString(*head), "h2");
  Result<std::vector<ObjectInfo>> listed = ListAll(*home, "log/", kTestMaxList);
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].size, 256u);
  EXPECT_EQ((*listed)[1].size, 0u);
  Result<ListPage> page = home->List("log/", (*listed)[0].path, 1);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->objects.size(), 1u);
  EXPECT_FALSE(page->truncated);
  EXPECT_TRUE(home->Delete("log/0000000000000001/0000000000000002").ok());
  EXPECT_TRUE(home->Delete("log/0000000000000001/0000000000000002").ok());
  listed = ListAll(*home, "", kTestMaxList);
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  EXPECT_EQ(listed->size(), 2u);
}

// If the rcd dies, the next operation starts a new one.
TEST(RcloneHomeTest, RestartsADeadRcd) {
  TempDir dir("rclone-restart");
  RcloneHomeOptions options;
  options.remote = ":local:" + dir.path();
  options.rclone = "/usr/bin/rclone";
  options.config_path = "/dev/null";
  auto home = RcloneHome::Open(options);
  ASSERT_TRUE(home.ok()) << home.status().ToString();
  ASSERT_TRUE((*home)->Create("log/a/1", AsBytes("one")).ok());
  const int first = (*home)->rc_pid();
  ASSERT_GT(first, 0);
  ASSERT_EQ(::kill(first, SIGKILL), 0);  // The rcd this home started.
  // Wait (with a deadline) until the home notices the death.
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(10);
  Result<Bytes> got = (*home)->Get("log/a/1", kTestMaxRead);
  while (std::chrono::steady_clock::now() < deadline &&
         (*home)->rc_pid() == first) {
    got = (*home)->Get("log/a/1", kTestMaxRead);
  }
  EXPECT_NE((*home)->rc_pid(), first);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(AsString(*got), "one");
}

TEST(RcloneHomeTest, DescribeHidesConnectionStringParameters) {
  RcloneHomeOptions options;
  options.remote = ":local,case_sensitive=true,links=true:/tmp/coven-none";
  options.rclone = "/usr/bin/rclone";
  options.config_path = "/dev/null";
  auto home = RcloneHome::Open(options);
  ASSERT_TRUE(home.ok()) << home.status().ToString();
  EXPECT_EQ((*home)->Describe(), "rclone home :local:/tmp/coven-none");
  // Inline parameters with "//" cannot pass rclone's rc server.
  options.remote = ":webdav,url='http://127.0.0.1:1/x',pass=abc:";
  EXPECT_EQ(RcloneHome::Open(options).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(RcloneHomeTest, ErrorsNameTheOperationButNoSecret) {
  RcloneHomeOptions options = WebDavRemoteOptions(UniqueName("errors"));
  ASSERT_FALSE(options.remote.empty());
  const std::string obscured = options.env.back().second;
  auto home = RcloneHome::Open(options);
  ASSERT_TRUE(home.ok()) << home.status().ToString();
  Status missing = (*home)->Get("log/none/1", kTestMaxRead).status();
  EXPECT_EQ(missing.code(), StatusCode::kNotFound) << missing.ToString();
  EXPECT_THAT(missing.message(), HasSubstr("get \"log/none/1\""));
  EXPECT_THAT(missing.message(), Not(HasSubstr(obscured)));
  // Wrong WebDAV password behind rclone: an error, without the secret.
  options.env.back().second = Obscured("wrong-password");
  auto wrong = RcloneHome::Open(options);
  ASSERT_TRUE(wrong.ok()) << wrong.status().ToString();
  options.network.max_attempts = 1;
  Status denied = (*wrong)->Create("log/a/1", AsBytes("x"));
  EXPECT_FALSE(denied.ok());
  EXPECT_THAT(denied.message(), HasSubstr("create \"log/a/1\""));
  EXPECT_THAT(denied.message(), Not(HasSubstr(options.env.back().second)));
}

TEST(RcloneHomeTest, ReportsAMissingBackend) {
  RcloneHomeOptions options;
  options.remote = "icloud:coven";
  options.rclone = "/usr/bin/rclone";
  options.config_path = "/dev/null";
  options.required_backend = "iclouddrive";  // Not in Debian's rclone 1.60.
  auto home = RcloneHome::Open(options);
  EXPECT_EQ(home.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(home.status().message(), HasSubstr("backend unavailable"));
  EXPECT_THAT(home.status().message(), HasSubstr("iclouddrive"));
}

TEST(RcloneHomeTest, ReportsAnUnconfiguredRemote) {
  RcloneHomeOptions options;
  options.remote = "gdrive:coven";
  options.rclone = "/usr/bin/rclone";
  options.config_path = "/dev/null";
  auto home = RcloneHome::Open(options);
  EXPECT_EQ(home.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(home.status().message(), HasSubstr("rclone config"));
  EXPECT_THAT(home.status().message(), HasSubstr("\"gdrive\""));
}

TEST(RcloneHomeTest, ReportsAMissingRclone) {
  RcloneHomeOptions options;
  options.remote = ":local:/tmp";
  options.rclone = "/nonexistent/rclone";
  auto home = RcloneHome::Open(options);
  EXPECT_EQ(home.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(home.status().message(), HasSubstr("/nonexistent/rclone"));
}

}  // namespace
}  // namespace coven::home
