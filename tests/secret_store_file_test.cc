#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "coven/secret_store.h"
#include "secret_store_test_util.h"

namespace coven::keys {
namespace {

using testing::Contains;
using testing::ModeOf;
using testing::ReadAll;
using testing::ScratchDir;
using testing::WriteAll;

void ExpectCode(const Status& status, StatusCode code,
                std::string_view needle = "") {
  EXPECT_EQ(status.code(), code) << status.ToString();
  EXPECT_NE(status.message().find(needle), std::string::npos)
      << status.message();
}

TEST(FileSecretStoreTest, RoundTripsWithPrivateModes) {
  ScratchDir scratch;
  const std::string dir = scratch.path() + "/nested/secrets";
  auto store = MakeFileSecretStore(dir);
  const Bytes secret = ToBytes("member seed 0123456789abcdef");
  ASSERT_TRUE(store->Put("member.seed", secret).ok());
  Result<Bytes> got = store->Get("member.seed");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, secret);
  EXPECT_EQ(ModeOf(dir), 0700u);
  EXPECT_EQ(ModeOf(dir + "/member.seed"), 0600u);
  // A second store on the same directory sees it.
  EXPECT_EQ(*MakeFileSecretStore(dir + "/")->Get("member.seed"), secret);
  EXPECT_NE(store->Describe().find(dir), std::string::npos);
}

TEST(FileSecretStoreTest, PutIsCreateOnce) {
  ScratchDir scratch;
  auto store = MakeFileSecretStore(scratch.path());
  ASSERT_TRUE(store->Put("k", ToBytes("one")).ok());
  EXPECT_TRUE(store->Put("k", ToBytes("one")).ok());
  ExpectCode(store->Put("k", ToBytes("two")), StatusCode::kAlreadyExists,
             "a different secret named 'k'");
  ExpectCode(store->Put("k", ToBytes("onex")), StatusCode::kAlreadyExists);
  EXPECT_EQ(*store->Get("k"), ToBytes("one"));
}

TEST(FileSecretStoreTest, MissingAndRemove) {
  ScratchDir scratch;
  auto store = MakeFileSecretStore(scratch.path() + "/never-created");
  ExpectCode(store->Get("k").status(), StatusCode::kNotFound, "no secret");
  EXPECT_TRUE(store->Remove("k").ok());
  ASSERT_TRUE(store->Put("k", ToBytes("one")).ok());
  ASSERT_TRUE(store->Remove("k").ok());
  ExpectCode(store->Get("k").status(), StatusCode::kNotFound);
  EXPECT_TRUE(store->Put("k", ToBytes("two")).ok());
  EXPECT_EQ(*store->Get("k"), ToBytes("two"));
}

TEST(FileSecretStoreTest, ValidatesNamesAndValues) {
  ScratchDir scratch;
  auto store = MakeFileSecretStore(scratch.path());
  for (const std::string& bad :
       {std::string(""), std::string("Key"), std::string("../x"),
        std::string(".hidden"), std::string("a/b"), std::string(65, 'a'),
        std::string("sp ace")}) {
    ExpectCode(store->Put(bad, ToBytes("v")), StatusCode::kInvalidArgument,
               "secret name");
    ExpectCode(store->Get(bad).status(), StatusCode::kInvalidArgument);
    ExpectCode(store->Remove(bad), StatusCode::kInvalidArgument);
  }
  EXPECT_TRUE(store->Put("a.b_c-0", ToBytes("v")).ok());
  EXPECT_TRUE(store->Put(std::string(64, 'z'), ToBytes("v")).ok());
  ExpectCode(store->Put("empty", {}), StatusCode::kInvalidArgument, "empty");
  ExpectCode(store->Put("big", Bytes(kMaxSecretBytes + 1, 1)),
             StatusCode::kInvalidArgument, "64 KiB");
  EXPECT_TRUE(store->Put("max", Bytes(kMaxSecretBytes, 1)).ok());
  EXPECT_EQ(store->Get("max")->size(), kMaxSecretBytes);
}

TEST(FileSecretStoreTest, RefusesLoosePermissions) {
  ScratchDir scratch;
  auto store = MakeFileSecretStore(scratch.path());
  ASSERT_TRUE(store->Put("k", ToBytes("one")).ok());
  const std::string file = scratch.path() + "/k";
  ASSERT_EQ(chmod(file.c_str(), 0644), 0);
  ExpectCode(store->Get("k").status(), StatusCode::kPermissionDenied,
             "run `chmod 600 " + file + "`");
  ExpectCode(store->Put("k", ToBytes("one")), StatusCode::kPermissionDenied,
             file);
  ASSERT_EQ(chmod(file.c_str(), 0600), 0);
  EXPECT_TRUE(store->Get("k").ok());
  ASSERT_EQ(chmod(scratch.path().c_str(), 0755), 0);
  ExpectCode(store->Get("k").status(), StatusCode::kPermissionDenied,
             "run `chmod 700 " + scratch.path() + "`");
  ExpectCode(store->Put("other", ToBytes("x")), StatusCode::kPermissionDenied,
             "chmod 700");
}

TEST(FileSecretStoreTest, RefusesSymlinks) {
  ScratchDir scratch;
  auto store = MakeFileSecretStore(scratch.path());
  ASSERT_TRUE(store->Put("real", ToBytes("one")).ok());
  ASSERT_EQ(symlink((scratch.path() + "/real").c_str(),
                    (scratch.path() + "/link").c_str()),
            0);
  ExpectCode(store->Get("link").status(), StatusCode::kPermissionDenied,
             "symbolic link");
}

TEST(FileSecretStoreTest, DamagedFilesAreDataLoss) {
  ScratchDir scratch;
  auto store = MakeFileSecretStore(scratch.path());
  ASSERT_TRUE(store->Put("k", ToBytes("the secret")).ok());
  const std::string file = scratch.path() + "/k";
  const Bytes good = ReadAll(file);
  ASSERT_EQ(good.size(), 4 + 1 + 1 + 4 + 10 + 16u);
  EXPECT_EQ(AsString(ByteView(good).first(4)), "CVSF");
  for (std::size_t i = 0; i < good.size(); ++i) {
    Bytes bad = good;
    bad[i] ^= 0x10;
    WriteAll(file, bad);
    ExpectCode(store->Get("k").status(), StatusCode::kDataLoss, file);
  }
  WriteAll(file, Bytes(good.begin(), good.end() - 1));
  ExpectCode(store->Get("k").status(), StatusCode::kDataLoss, "damaged");
  WriteAll(file, {});
  ExpectCode(store->Get("k").status(), StatusCode::kDataLoss, "truncated");
  Bytes longer = good;
  longer.push_back(0);
  WriteAll(file, longer);
  ExpectCode(store->Get("k").status(), StatusCode::kDataLoss);
  // A damaged file also blocks Put rather than being overwritten.
  ExpectCode(store->Put("k", ToBytes("the secret")), StatusCode::kDataLoss);
  WriteAll(file, good);
  EXPECT_EQ(*store->Get("k"), ToBytes("the secret"));
}

TEST(FileSecretStoreTest, CreatesAtomicallyAndLeavesNoTemporaries) {
  ScratchDir scratch;
  const std::string dir = scratch.path();
  std::vector<Status> results(8);
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      results[i] = MakeFileSecretStore(dir)->Put(
          "race", ToBytes("value-" + std::to_string(i)));
    });
  }
  for (std::thread& t : threads) t.join();
  int winners = 0;
  for (const Status& status : results) {
    if (status.ok()) {
      ++winners;
    } else {
      EXPECT_EQ(status.code(), StatusCode::kAlreadyExists) << status.ToString();
    }
  }
  EXPECT_EQ(winners, 1);
  Result<Bytes> stored = MakeFileSecretStore(dir)->Get("race");
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(AsString(*stored).substr(0, 6), "value-");
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    names.push_back(entry.path().filename().string());
  }
  EXPECT_EQ(names, std::vector<std::string>{"race"});
}

}  // namespace
}  // namespace coven::keys
