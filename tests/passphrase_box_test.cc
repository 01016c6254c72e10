#include "keys/passphrase_box.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <string>

#include "coven/entropy.h"

namespace coven::keys {
namespace {

const PassphraseCost kCost = PassphraseCost::ForTests();

Bytes Seal(ByteView secret, std::string_view passphrase, std::uint64_t seed) {
  SeededEntropy entropy(seed);
  Result<Bytes> sealed = SealWithPassphrase(secret, passphrase, kCost, entropy);
  EXPECT_TRUE(sealed.ok()) << sealed.status().ToString();
  return sealed.ok() ? *sealed : Bytes();
}

void ExpectCode(const Result<Bytes>& result, StatusCode code,
                std::string_view needle) {
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), code) << result.status().ToString();
  EXPECT_NE(result.status().message().find(needle), std::string::npos)
      << result.status().message();
}

TEST(PassphraseBoxTest, CostPresetsMatchLibsodium) {
  EXPECT_EQ(PassphraseCost::Interactive().opslimit,
            crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE);
  EXPECT_EQ(PassphraseCost::Interactive().memlimit,
            crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE);
  EXPECT_EQ(PassphraseCost::Moderate().memlimit,
            crypto_pwhash_argon2id_MEMLIMIT_MODERATE);
  EXPECT_EQ(kCost.opslimit, 1u);
  EXPECT_EQ(kCost.memlimit, 8192u);
  EXPECT_TRUE(ValidatePassphraseCost(PassphraseCost::Moderate()).ok());
}

TEST(PassphraseBoxTest, RoundTripsAndRecordsTheHeader) {
  const Bytes secret = ToBytes("a 32-byte library key goes here!");
  const Bytes sealed = Seal(secret, "correct horse", 1);
  ASSERT_EQ(sealed.size(),
            kPassphraseHeaderBytes + secret.size() + kPassphraseTagBytes);
  EXPECT_EQ(AsString(ByteView(sealed).first(4)), "CVPW");
  EXPECT_EQ(sealed[4], 1);  // Version.
  EXPECT_EQ(sealed[5], 1);  // Argon2id13 + XChaCha20-Poly1305.
  const Bytes ops(sealed.begin() + 6, sealed.begin() + 10);
  EXPECT_EQ(ops, (Bytes{0, 0, 0, 1}));
  const Bytes mem(sealed.begin() + 10, sealed.begin() + 18);
  EXPECT_EQ(mem, (Bytes{0, 0, 0, 0, 0, 0, 0x20, 0}));
  // The secret does not appear in clear.
  EXPECT_EQ(
      std::search(sealed.begin(), sealed.end(), secret.begin(), secret.end()),
      sealed.end());
  Result<Bytes> opened = OpenWithPassphrase(sealed, "correct horse");
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(*opened, secret);
  Result<PassphraseCost> cost = PeekPassphraseCost(sealed);
  ASSERT_TRUE(cost.ok());
  EXPECT_EQ(*cost, kCost);
}

TEST(PassphraseBoxTest, DeterministicGivenEntropy) {
  const Bytes secret = ToBytes("s");
  EXPECT_EQ(Seal(secret, "pw", 5), Seal(secret, "pw", 5));
  EXPECT_NE(Seal(secret, "pw", 5), Seal(secret, "pw", 6));
  // An empty secret is allowed and round-trips.
  Result<Bytes> empty = OpenWithPassphrase(Seal({}, "pw", 7), "pw");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST(PassphraseBoxTest, WrongPassphraseIsPermissionDenied) {
  const Bytes sealed = Seal(ToBytes("secret"), "right", 2);
  ExpectCode(OpenWithPassphrase(sealed, "wrong"), StatusCode::kPermissionDenied,
             "wrong passphrase");
  ExpectCode(OpenWithPassphrase(sealed, ""), StatusCode::kPermissionDenied,
             "wrong passphrase");
  ExpectCode(OpenWithPassphrase(sealed, "Right"), StatusCode::kPermissionDenied,
             "wrong passphrase");
}

TEST(PassphraseBoxTest, EveryModifiedByteIsRejected) {
  const Bytes sealed = Seal(ToBytes("secret"), "pw", 3);
  for (std::size_t i = 0; i < sealed.size(); ++i) {
    Bytes bad = sealed;
    bad[i] ^= 0x01;
    Result<Bytes> opened = OpenWithPassphrase(bad, "pw");
    EXPECT_FALSE(opened.ok()) << "byte " << i;
  }
}

TEST(PassphraseBoxTest, TruncationAndBadHeadersAreDataLoss) {
  const Bytes sealed = Seal(ToBytes("secret"), "pw", 4);
  ExpectCode(OpenWithPassphrase({}, "pw"), StatusCode::kDataLoss, "truncated");
  ExpectCode(OpenWithPassphrase(ByteView(sealed).first(73), "pw"),
             StatusCode::kDataLoss, "truncated");
  Bytes bad_magic = sealed;
  bad_magic[0] = 'X';
  ExpectCode(OpenWithPassphrase(bad_magic, "pw"), StatusCode::kDataLoss,
             "CVPW magic");
  Bytes bad_version = sealed;
  bad_version[4] = 2;
  ExpectCode(OpenWithPassphrase(bad_version, "pw"), StatusCode::kDataLoss,
             "version 2");
  Bytes bad_alg = sealed;
  bad_alg[5] = 9;
  ExpectCode(OpenWithPassphrase(bad_alg, "pw"), StatusCode::kDataLoss,
             "unknown algorithm 9");
  // Cutting the tag short makes authentication fail.
  ExpectCode(
      OpenWithPassphrase(ByteView(sealed).first(sealed.size() - 1), "pw"),
      StatusCode::kPermissionDenied, "wrong passphrase");
}

TEST(PassphraseBoxTest, HostileCostsAreRefusedBeforeArgon2) {
  const Bytes sealed = Seal(ToBytes("secret"), "pw", 8);
  Bytes huge_mem = sealed;
  huge_mem[10] = 0x7f;  // memlimit ~ 9 EiB.
  ExpectCode(OpenWithPassphrase(huge_mem, "pw"), StatusCode::kInvalidArgument,
             "above the 1 GiB limit");
  Bytes big_mem = sealed;
  big_mem[14] = 0x40;  // 1 GiB + 8 KiB.
  ExpectCode(OpenWithPassphrase(big_mem, "pw"), StatusCode::kInvalidArgument,
             "1073750016 bytes of memory");
  Bytes huge_ops = sealed;
  huge_ops[6] = 0xff;
  ExpectCode(OpenWithPassphrase(huge_ops, "pw"), StatusCode::kInvalidArgument,
             "opslimit");
  Bytes zero_ops = sealed;
  zero_ops[9] = 0;
  ExpectCode(OpenWithPassphrase(zero_ops, "pw"), StatusCode::kInvalidArgument,
             "opslimit 0");
  Bytes tiny_mem = sealed;
  tiny_mem[16] = 0x10;  // 4 KiB.
  ExpectCode(OpenWithPassphrase(tiny_mem, "pw"), StatusCode::kInvalidArgument,
             "memlimit 4096");
  EXPECT_EQ(PeekPassphraseCost(huge_ops).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(PassphraseBoxTest, SealRejectsBadArguments) {
  SeededEntropy entropy(9);
  ExpectCode(SealWithPassphrase(ToBytes("s"), "", kCost, entropy),
             StatusCode::kInvalidArgument, "passphrase is empty");
  ExpectCode(SealWithPassphrase(ToBytes("s"), "pw", {0, 8192}, entropy),
             StatusCode::kInvalidArgument, "opslimit 0 is outside 1..64");
  ExpectCode(SealWithPassphrase(ToBytes("s"), "pw", {65, 8192}, entropy),
             StatusCode::kInvalidArgument, "opslimit 65");
  ExpectCode(
      SealWithPassphrase(ToBytes("s"), "pw", {1, kMaxMemlimit + 1024}, entropy),
      StatusCode::kInvalidArgument, "memlimit");
  const Bytes too_big(kMaxSealedSecretBytes + 1, 0);
  ExpectCode(SealWithPassphrase(too_big, "pw", kCost, entropy),
             StatusCode::kInvalidArgument, "at most 1 MiB");
}

}  // namespace
}  // namespace coven::keys
