// The object-name rule (docs/homes.md, "Object names"): every path the engine
// writes is made of fixed-width, zero-padded, lower-case hex segments
// ("log/<device:16>/<seq:16>", "heads/<device:16>"), so byte order equals
// numeric order, no segment is a prefix of a sibling, and case-insensitive
// stores cannot merge two names. Then every home lists them in the same
// order, even stores that list in directory-walk order (s3rver) or do not
// sort at all (WebDAV, rclone: sorted locally).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <random>

#include "coven/folder_home.h"
#include "coven/memory_home.h"
#include "coven/rclone_home.h"
#include "coven/s3_home.h"
#include "coven/webdav_home.h"
#include "engine/sync_engine.h"
#include "test_servers.h"

namespace coven::engine {
namespace {

std::vector<std::pair<std::uint64_t, std::uint64_t>> SampleIds() {
  std::vector<std::pair<std::uint64_t, std::uint64_t>> ids = {
      {0, 0},
      {0, 1},
      {1, 0},
      {0xf, 0x10},
      {UINT64_MAX, UINT64_MAX},
      {0xa, 9},
      {0xa, 0xa},
      {0x9, 0xffffffffffffffffULL}};
  std::mt19937_64 rng(5);
  for (int i = 0; i < 40; ++i) {
    ids.emplace_back(rng() % 4 == 0 ? rng() % 16 : rng(), rng() % 300);
  }
  return ids;
}

TEST(ObjectNamesTest, FixedWidthLowerCaseHexSortsNumerically) {
  const auto ids = SampleIds();
  for (const auto& [device, seq] : ids) {
    const std::string log = LogPath(device, seq);
    const std::string head = HeadPath(device);
    EXPECT_EQ(log.size(), 4u + 16 + 1 + 16) << log;
    EXPECT_EQ(head.size(), 6u + 16) << head;
    EXPECT_TRUE(home::IsValidPath(log)) << log;
    EXPECT_TRUE(home::IsValidPath(head)) << head;
    for (char c : log.substr(4)) {
      EXPECT_TRUE(c == '/' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))
          << log;
    }
  }
  for (const auto& a : ids) {
    for (const auto& b : ids) {
      EXPECT_EQ(a < b, LogPath(a.first, a.second) < LogPath(b.first, b.second))
          << LogPath(a.first, a.second) << " vs " << LogPath(b.first, b.second);
      EXPECT_EQ(a.first < b.first, HeadPath(a.first) < HeadPath(b.first));
    }
  }
}

TEST(ObjectNamesTest, EveryHomeListsThemInTheSameOrder) {
  testing::TestServer* s3 = testing::SharedS3rver();
  testing::TestServer* dav = testing::SharedWebDav();
  ASSERT_TRUE(s3 && dav);
  testing::TempDir folder("names-folder"), rclone_dir("names-rclone");
  std::vector<home::HomeRef> homes;
  homes.push_back(home::MemoryHome::Create());
  homes.push_back(*home::FolderHome::Open(folder.path()));
  home::S3HomeOptions s3_options;
  s3_options.endpoint = s3->endpoint();
  s3_options.bucket = "home";
  s3_options.prefix = testing::UniqueName("names");
  s3_options.credentials = {testing::kS3rverAccessKey,
                            testing::kS3rverSecretKey, ""};
  s3_options.server_sorted_list = true;  // s3rver's own (walk) order.
  s3_options.create_mode = home::S3HomeOptions::CreateMode::kEmulated;
  homes.push_back(*home::S3Home::Open(s3_options));
  home::WebDavHomeOptions dav_options;
  dav_options.url = dav->endpoint() + "/" + testing::UniqueName("names");
  dav_options.user = testing::kWebDavUser;
  dav_options.password = testing::kWebDavPassword;
  homes.push_back(*home::WebDavHome::Open(dav_options));
  home::RcloneHomeOptions rclone_options;
  rclone_options.remote = ":local:" + rclone_dir.path();
  rclone_options.rclone = "/usr/bin/rclone";
  rclone_options.config_path = "/dev/null";
  auto rclone = home::RcloneHome::Open(rclone_options);
  ASSERT_TRUE(rclone.ok()) << rclone.status().ToString();
  homes.push_back(*rclone);

  std::vector<std::string> want;
  for (const auto& [device, seq] : SampleIds()) {
    want.push_back(LogPath(device, seq));
  }
  std::sort(want.begin(), want.end());
  want.erase(std::unique(want.begin(), want.end()), want.end());
  for (const home::HomeRef& home : homes) {
    SCOPED_TRACE(home->Describe());
    for (const std::string& path : want) {
      ASSERT_TRUE(home->Replace(path, AsBytes(path)).ok()) << path;
    }
    // Pages of 7 exercise start_after at many positions.
    std::vector<std::string> got;
    std::string cursor;
    for (int pages = 0; pages < 100; ++pages) {
      Result<home::ListPage> page = home->List("log/", cursor, 7);
      ASSERT_TRUE(page.ok()) << page.status().ToString();
      for (const auto& object : page->objects) got.push_back(object.path);
      if (!page->truncated || page->objects.empty()) break;
      cursor = page->objects.back().path;
    }
    EXPECT_EQ(got, want);
  }
}

}  // namespace
}  // namespace coven::engine
