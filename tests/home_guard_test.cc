// The home marker and HomeGuard (src/sync/home_marker.h): which homes a
// device refuses, what it writes (nothing, unless it adopts a home made
// before markers), and what the check costs on a network home (one request
// per process) and on a folder home (a stat per call, catching an unmount).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "coven/folder_home.h"
#include "coven/memory_home.h"
#include "coven/testing/counting_home.h"
#include "home_test_limits.h"
#include "member_log_builder.h"
#include "sync/home_marker.h"

namespace coven::sync {
namespace {

using ::testing::HasSubstr;

std::string MakeTempDir() {
  std::string pattern = "/tmp/coven-home-guard-XXXXXX";
  return ::mkdtemp(pattern.data()) == nullptr ? std::string() : pattern;
}

const std::string kOurs = HexEncode(members::testing::LibraryId(7));
const std::string kOther = HexEncode(members::testing::LibraryId(9));

std::vector<std::string> Paths(home::Home& home) {
  std::vector<std::string> out;
  auto all = home::ListAll(home, "", kTestMaxList);
  if (all.ok()) {
    for (const auto& o : *all) out.push_back(o.path);
  }
  return out;
}

// A home as an older coven left it: library 7's member log, no marker.
std::shared_ptr<home::MemoryHome> UnmarkedHomeOfLibrary7() {
  auto home = home::MemoryHome::Create();
  members::testing::Chain chain(7);
  chain.Genesis();
  EXPECT_TRUE(home->Create("members/0000000000000001", chain.slot(1)).ok());
  EXPECT_TRUE(home->Create("log/00aa/0000000000000001", AsBytes("x")).ok());
  return home;
}

TEST(HomeGuardTest, EmptyHomeIsRefusedAndNothingIsWritten) {
  auto memory = home::MemoryHome::Create();
  auto guard = HomeGuard::Wrap(memory, {kOurs, /*seen_before=*/false});
  Status created = guard->Create("log/00aa/0000000000000001", AsBytes("x"));
  EXPECT_EQ(created.code(), StatusCode::kUnavailable);
  EXPECT_THAT(created.message(), HasSubstr("is empty"));
  EXPECT_THAT(created.message(), HasSubstr("Nothing was synced"));
  EXPECT_EQ(guard->List("log/", "", 10).status().code(),
            StatusCode::kUnavailable);
  EXPECT_TRUE(Paths(*memory).empty());
  EXPECT_FALSE(guard->TakeFirstSeen());
}

TEST(HomeGuardTest, NetworkHomeIsCheckedOnceWithOneRequest) {
  auto memory = home::MemoryHome::Create();
  ASSERT_TRUE(MarkNewHome(*memory, kOurs).ok());
  EXPECT_EQ(Paths(*memory), std::vector<std::string>{"coven-library.json"});
  EXPECT_EQ(AsString(*memory->Get("coven-library.json", kTestMaxRead)),
            "{\"coven_library\": 1, \"library_id\": \"" + kOurs + "\"}\n");
  ASSERT_TRUE(MarkNewHome(*memory, kOurs).ok());  // Idempotent.
  auto counting = std::make_shared<testing::CountingHome>(memory);
  auto guard = HomeGuard::Wrap(counting, {kOurs, /*seen_before=*/false});
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(guard->List("log/", "", 10).ok());
  }
  EXPECT_EQ(counting->counts().total(), 11u);  // One GET of the marker.
  EXPECT_TRUE(guard->TakeFirstSeen());
  EXPECT_FALSE(guard->TakeFirstSeen());
}

TEST(HomeGuardTest, AnotherLibrarysHomeIsRefused) {
  auto memory = home::MemoryHome::Create();
  ASSERT_TRUE(MarkNewHome(*memory, kOther).ok());
  auto guard = HomeGuard::Wrap(memory, {kOurs, false});
  Status checked = guard->Check();
  EXPECT_EQ(checked.code(), StatusCode::kUnavailable);
  EXPECT_THAT(checked.message(), HasSubstr("belongs to another library"));
  EXPECT_THAT(checked.message(), HasSubstr(kOther));
  // Starting a library there is refused too, as is one over its data.
  EXPECT_EQ(MarkNewHome(*memory, kOurs).code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(CheckNewHome(*UnmarkedHomeOfLibrary7(), kOther).code(),
            StatusCode::kFailedPrecondition);
  // Unrelated files are fine for a new library.
  auto foreign = home::MemoryHome::Create();
  ASSERT_TRUE(foreign->Create("photos/a.jpg", AsBytes("x")).ok());
  EXPECT_EQ(HomeGuard::Wrap(foreign, {kOurs, false})->Check().code(),
            StatusCode::kUnavailable);
  EXPECT_TRUE(MarkNewHome(*foreign, kOurs).ok());
  EXPECT_TRUE(HomeGuard::Wrap(foreign, {kOurs, false})->Check().ok());
}

TEST(HomeGuardTest, HomeFromBeforeMarkersIsAdoptedUnlessSeenBefore) {
  auto seen = UnmarkedHomeOfLibrary7();
  Status lost = HomeGuard::Wrap(seen, {kOurs, /*seen_before=*/true})->Check();
  EXPECT_EQ(lost.code(), StatusCode::kUnavailable);
  EXPECT_THAT(lost.message(), HasSubstr("lost its marker"));
  EXPECT_THAT(lost.message(), HasSubstr(kOurs));  // What to put back.
  EXPECT_EQ(seen->Get("coven-library.json", kTestMaxRead).status().code(),
            StatusCode::kNotFound);

  auto old = UnmarkedHomeOfLibrary7();
  auto guard = HomeGuard::Wrap(old, {kOurs, /*seen_before=*/false});
  ASSERT_TRUE(guard->Check().ok());
  EXPECT_EQ(AsString(*old->Get("coven-library.json", kTestMaxRead)),
            std::string(AsString(HomeMarkerBytes(kOurs))));
  EXPECT_TRUE(guard->TakeFirstSeen());
  // Another library's unmarked data is never adopted.
  Status other =
      HomeGuard::Wrap(UnmarkedHomeOfLibrary7(), {kOther, false})->Check();
  EXPECT_EQ(other.code(), StatusCode::kUnavailable);
  EXPECT_THAT(other.message(), HasSubstr("another library's data"));
  // A joining device adopts it too, and refuses an empty home.
  EXPECT_TRUE(CheckJoinedHome(*UnmarkedHomeOfLibrary7(), kOurs).ok());
  EXPECT_EQ(CheckJoinedHome(*home::MemoryHome::Create(), kOurs).code(),
            StatusCode::kUnavailable);
}

TEST(HomeGuardTest, FolderHomeIsCheckedOnEveryCall) {
  const std::string base = MakeTempDir();
  ASSERT_FALSE(base.empty());
  const std::string root = base + "/home";
  {
    auto made = home::FolderHome::OpenOrCreate(root);
    ASSERT_TRUE(made.ok());
    ASSERT_TRUE(MarkNewHome(**made, kOurs).ok());
  }
  auto folder = home::FolderHome::Open(root);
  ASSERT_TRUE(folder.ok());
  auto guard = HomeGuard::Wrap(*folder, {kOurs, /*seen_before=*/true});
  ASSERT_TRUE(guard->Create("log/00aa/0000000000000001", AsBytes("x")).ok());

  // Unmounted: the directory is gone.
  std::filesystem::rename(root, base + "/away");
  Status missing = guard->Create("log/00aa/0000000000000002", AsBytes("x"));
  EXPECT_EQ(missing.code(), StatusCode::kUnavailable);
  EXPECT_THAT(missing.message(), HasSubstr("the home folder " + root));
  EXPECT_THAT(missing.message(), HasSubstr("is missing"));
  EXPECT_FALSE(std::filesystem::exists(root));

  // The empty mount point.
  std::filesystem::create_directory(root);
  Status empty = guard->Replace("heads/00aa", AsBytes("x"));
  EXPECT_THAT(empty.message(), HasSubstr("is empty"));
  EXPECT_TRUE(std::filesystem::is_empty(root));

  // Mounted again: it works again.
  std::filesystem::remove(root);
  std::filesystem::rename(base + "/away", root);
  EXPECT_TRUE(guard->Create("log/00aa/0000000000000002", AsBytes("x")).ok());
  std::filesystem::remove_all(base);
}

}  // namespace
}  // namespace coven::sync
