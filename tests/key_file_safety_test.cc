// Key and secret files are opened with O_NOFOLLOW and must belong to this
// user: a symbolic link planted in place of a key file, or a file another
// user owns, is refused with a message that says so.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "coven/keys.h"
#include "keys/key_file.h"
#include "keys/secret_file.h"
#include "secret_store_test_util.h"

namespace coven::keys {
namespace {

using testing::ScratchDir;

const std::string kSafetyLibraryId(32, 'a');

// A valid hex key file at `path` (mode 0600).
void WriteKey(const std::string& path) {
  Bytes key(32, 0x42);
  ASSERT_TRUE(CreateKeyFile(path, key).ok());
}

TEST(KeyFileSafetyTest, SymlinkedKeyFileIsRefused) {
  ScratchDir dir;
  const std::string real = dir.path() + "/elsewhere.key";
  WriteKey(real);
  ASSERT_TRUE(ReadKeyFile(real, 32).ok());
  const std::string link = dir.path() + "/member.key";
  ASSERT_EQ(symlink(real.c_str(), link.c_str()), 0);
  auto read = ReadKeyFile(link, 32);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(read.status().message().find("symbolic link"), std::string::npos)
      << read.status().message();
}

TEST(KeyFileSafetyTest, SymlinkedSecretFileIsRefused) {
  ScratchDir dir;
  const std::string real = dir.path() + "/elsewhere";
  ASSERT_TRUE(CreateSecretFile(
                  real, EncodeSecretFile(SecretSealing::kPlain, Bytes(32, 7)))
                  .ok());
  ASSERT_TRUE(ReadSecretFile(real).ok());
  const std::string link = dir.path() + "/member";
  ASSERT_EQ(symlink(real.c_str(), link.c_str()), 0);
  auto read = ReadSecretFile(link);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(read.status().message().find("symbolic link"), std::string::npos);
}

TEST(KeyFileSafetyTest, KeyServiceRefusesSymlinkedMemberKey) {
  ScratchDir dir;
  const std::string key_dir = dir.path() + "/keys";
  {
    KeyService keys(false, kSafetyLibraryId, key_dir);
    ASSERT_TRUE(keys.get_or_create_member_seed().ok());
  }
  const std::string member = key_dir + "/member.key";
  const std::string moved = dir.path() + "/planted.key";
  ASSERT_EQ(rename(member.c_str(), moved.c_str()), 0);
  ASSERT_EQ(symlink(moved.c_str(), member.c_str()), 0);
  KeyService again(false, kSafetyLibraryId, key_dir);
  auto seed = again.get_or_create_member_seed();
  ASSERT_FALSE(seed.ok());
  EXPECT_EQ(seed.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(seed.status().message().find("symbolic link"), std::string::npos)
      << seed.status().message();
}

TEST(KeyFileSafetyTest, FilesOwnedByAnotherUserAreRefused) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to chown a file away";
  ScratchDir dir;
  const std::string key = dir.path() + "/member.key";
  WriteKey(key);
  const std::string secret = dir.path() + "/secret";
  ASSERT_TRUE(CreateSecretFile(
                  secret, EncodeSecretFile(SecretSealing::kPlain, Bytes(32, 7)))
                  .ok());
  const uid_t other = geteuid() + 4242;
  ASSERT_EQ(chown(key.c_str(), other, static_cast<gid_t>(-1)), 0);
  ASSERT_EQ(chown(secret.c_str(), other, static_cast<gid_t>(-1)), 0);
  auto read_key = ReadKeyFile(key, 32);
  ASSERT_FALSE(read_key.ok());
  EXPECT_EQ(read_key.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(read_key.status().message().find("belongs to user id"),
            std::string::npos)
      << read_key.status().message();
  auto read_secret = ReadSecretFile(secret);
  ASSERT_FALSE(read_secret.ok());
  EXPECT_EQ(read_secret.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(read_secret.status().message().find("belongs to user id"),
            std::string::npos)
      << read_secret.status().message();
}

TEST(KeyFileSafetyTest, DirectoryInPlaceOfKeyFileIsRefused) {
  ScratchDir dir;
  const std::string path = dir.path() + "/member.key";
  ASSERT_EQ(mkdir(path.c_str(), 0700), 0);
  auto read = ReadKeyFile(path, 32);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace coven::keys
