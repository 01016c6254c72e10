#include <gtest/gtest.h>

#include <string>

#include "coven/secret_store.h"
#include "keys/passphrase_box.h"
#include "secret_store_test_util.h"

namespace coven::keys {
namespace {

using testing::Contains;
using testing::ReadAll;
using testing::ScratchDir;
using testing::WriteAll;

std::shared_ptr<SecretStore> Store(const std::string& dir,
                                   std::string passphrase,
                                   std::uint64_t seed = 1) {
  return MakePassphraseFileSecretStore(dir, std::move(passphrase),
                                       PassphraseCost::ForTests(),
                                       std::make_shared<SeededEntropy>(seed));
}

TEST(PassphraseSecretStoreTest, RoundTripsWithoutTheSecretInClear) {
  ScratchDir scratch;
  auto store = Store(scratch.path(), "hunter2 but longer");
  const Bytes secret = ToBytes("restore seed: 00112233445566778899");
  ASSERT_TRUE(store->Put("restore", secret).ok());
  EXPECT_EQ(*store->Get("restore"), secret);
  const Bytes file = ReadAll(scratch.path() + "/restore");
  EXPECT_EQ(file[5], 1);  // Sealing: passphrase.
  EXPECT_FALSE(Contains(file, secret));
  EXPECT_FALSE(Contains(file, ToBytes("hunter2")));
  EXPECT_EQ(file.size(),
            26 + kPassphraseHeaderBytes + secret.size() + kPassphraseTagBytes);
  // Reopened by a new store with the same passphrase.
  EXPECT_EQ(*Store(scratch.path(), "hunter2 but longer", 99)->Get("restore"),
            secret);
  const std::string description = store->Describe();
  EXPECT_EQ(description.find("hunter2"), std::string::npos);
  EXPECT_NE(description.find("Argon2id"), std::string::npos);
}

TEST(PassphraseSecretStoreTest, WrongPassphraseIsPermissionDenied) {
  ScratchDir scratch;
  ASSERT_TRUE(Store(scratch.path(), "right")->Put("k", ToBytes("v")).ok());
  auto wrong = Store(scratch.path(), "wrong");
  Result<Bytes> got = wrong->Get("k");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(got.status().message().find("wrong passphrase"), std::string::npos);
  EXPECT_EQ(wrong->Put("k", ToBytes("v")).code(),
            StatusCode::kPermissionDenied);
}

TEST(PassphraseSecretStoreTest, PutComparesPlaintexts) {
  ScratchDir scratch;
  auto store = Store(scratch.path(), "pw");
  ASSERT_TRUE(store->Put("k", ToBytes("v")).ok());
  const Bytes before = ReadAll(scratch.path() + "/k");
  EXPECT_TRUE(Store(scratch.path(), "pw", 2)->Put("k", ToBytes("v")).ok());
  EXPECT_EQ(ReadAll(scratch.path() + "/k"), before);  // Not rewritten.
  EXPECT_EQ(store->Put("k", ToBytes("w")).code(), StatusCode::kAlreadyExists);
}

TEST(PassphraseSecretStoreTest, DeterministicGivenEntropy) {
  ScratchDir a, b;
  ASSERT_TRUE(Store(a.path(), "pw", 5)->Put("k", ToBytes("v")).ok());
  ASSERT_TRUE(Store(b.path(), "pw", 5)->Put("k", ToBytes("v")).ok());
  EXPECT_EQ(ReadAll(a.path() + "/k"), ReadAll(b.path() + "/k"));
}

TEST(PassphraseSecretStoreTest, DamageIsDataLossNotAWrongPassphrase) {
  ScratchDir scratch;
  auto store = Store(scratch.path(), "pw");
  ASSERT_TRUE(store->Put("k", ToBytes("value")).ok());
  const std::string file = scratch.path() + "/k";
  Bytes bad = ReadAll(file);
  bad[40] ^= 0x01;  // Inside the sealed blob.
  WriteAll(file, bad);
  EXPECT_EQ(store->Get("k").status().code(), StatusCode::kDataLoss);
}

TEST(PassphraseSecretStoreTest, PlainAndSealedFilesAreNotConfused) {
  ScratchDir scratch;
  ASSERT_TRUE(MakeFileSecretStore(scratch.path())->Put("p", ToBytes("v")).ok());
  ASSERT_TRUE(Store(scratch.path(), "pw")->Put("s", ToBytes("v")).ok());
  Result<Bytes> plain_via_sealed = Store(scratch.path(), "pw")->Get("p");
  EXPECT_EQ(plain_via_sealed.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(plain_via_sealed.status().message().find("plain file store"),
            std::string::npos);
  Result<Bytes> sealed_via_plain =
      MakeFileSecretStore(scratch.path())->Get("s");
  EXPECT_EQ(sealed_via_plain.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(sealed_via_plain.status().message().find("passphrase store"),
            std::string::npos);
}

TEST(PassphraseSecretStoreTest, BadConfigurationFailsPut) {
  ScratchDir scratch;
  EXPECT_EQ(Store(scratch.path(), "")->Put("k", ToBytes("v")).code(),
            StatusCode::kInvalidArgument);
  auto no_entropy = MakePassphraseFileSecretStore(
      scratch.path(), "pw", PassphraseCost::ForTests(), nullptr);
  EXPECT_EQ(no_entropy->Put("k", ToBytes("v")).code(),
            StatusCode::kInvalidArgument);
  auto bad_cost =
      MakePassphraseFileSecretStore(scratch.path(), "pw", PassphraseCost{0, 0},
                                    std::make_shared<SeededEntropy>(1));
  EXPECT_EQ(bad_cost->Put("k", ToBytes("v")).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(MakeFileSecretStore(scratch.path())->Get("k").status().code(),
            StatusCode::kNotFound);
}

}  // namespace
}  // namespace coven::keys
