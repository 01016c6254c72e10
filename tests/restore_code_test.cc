// Restore code payloads: the recovery-secret seal round-trips and refuses a
// missing or foreign secret; passphrase strength; the KDF cost of release
// builds ignores COVEN_TEST_FAST_KDF.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>

#include "codes/code.h"
#include "coven/entropy.h"
#include "coven/secret_input.h"
#include "keys/passphrase_strength.h"
#include "library/library_codes.h"

namespace coven::library {
namespace {

LibraryLocation Location() {
  LibraryLocation l;
  l.library_id = std::string(32, 'a');
  l.genesis.fill(7);
  l.provider = "local";
  l.container = "/tmp/home";
  l.tables = {"todos"};
  return l;
}

TEST(RestoreCodeTest, RecoverySecretRoundTripsAndRefusesOthers) {
  std::array<std::uint8_t, 32> seed{};
  seed.fill(0x5c);
  SeededEntropy entropy(1);
  auto made = EncodeRestoreCode(Location(), seed, "", entropy);
  ASSERT_TRUE(made.ok()) << made.status().ToString();
  EXPECT_EQ(made->recovery_secret.rfind("CVK1-", 0), 0u);
  auto secret_bytes = codes::DecodeCode(codes::CodeKind::kRecoverySecret,
                                        made->recovery_secret);
  ASSERT_TRUE(secret_bytes.ok());
  EXPECT_EQ(secret_bytes->size(), 16u);
  auto payload = codes::DecodeCode(codes::CodeKind::kRestore, made->code);
  ASSERT_TRUE(payload.ok());
  EXPECT_EQ(
      std::search(payload->begin(), payload->end(), seed.begin(), seed.end()),
      payload->end());
  EXPECT_EQ(*RestoreCodeSecretKind(made->code),
            RestoreSecretKind::kRecoverySecret);

  auto opened = DecodeRestoreCode(made->code, made->recovery_secret);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(opened->seed, seed);
  EXPECT_EQ(opened->location.container, "/tmp/home");

  EXPECT_EQ(DecodeRestoreCode(made->code, "").status().code(),
            StatusCode::kFailedPrecondition);
  auto other = EncodeRestoreCode(Location(), seed, "", entropy);
  ASSERT_TRUE(other.ok());
  EXPECT_NE(other->recovery_secret, made->recovery_secret);
  EXPECT_EQ(
      DecodeRestoreCode(made->code, other->recovery_secret).status().code(),
      StatusCode::kPermissionDenied);
  std::string typo = made->recovery_secret;
  typo[7] = typo[7] == 'A' ? 'B' : 'A';
  EXPECT_EQ(DecodeRestoreCode(made->code, typo).status().code(),
            StatusCode::kInvalidArgument);
  // The secret is not a restore code.
  EXPECT_FALSE(DecodeRestoreCode(made->recovery_secret, "").ok());
}

TEST(RestoreCodeTest, WeakPassphrasesAreRefused) {
  for (const char* weak :
       {"a", "password", "qwertyuiopas", "aaaaaaaaaaaaaaaa", "password1234"}) {
    Status checked = keys::CheckPassphraseStrength(weak);
    EXPECT_EQ(checked.code(), StatusCode::kInvalidArgument) << weak;
    EXPECT_NE(checked.message().find("too weak"), std::string::npos) << weak;
  }
  EXPECT_TRUE(
      keys::CheckPassphraseStrength("violet tractor anvil midnight 42").ok());
  std::array<std::uint8_t, 32> seed{};
  SeededEntropy entropy(2);
  EXPECT_EQ(EncodeRestoreCode(Location(), seed, "a", entropy).status().code(),
            StatusCode::kInvalidArgument);
}

// Without a cracklib dictionary (cracklib-runtime not installed) the other
// checks still decide: a strong passphrase passes, weak ones are refused.
TEST(RestoreCodeTest, PassphrasesAreCheckedWithoutADictionary) {
  const char* missing = "/nonexistent/coven-test/cracklib_dict";
  EXPECT_TRUE(
      keys::CheckPassphraseStrength("violet tractor anvil midnight 42", missing)
          .ok());
  for (const char* weak : {"a", "qwertyuiopas", "aaaaaaaaaaaaaaaa"}) {
    Status checked = keys::CheckPassphraseStrength(weak, missing);
    EXPECT_EQ(checked.code(), StatusCode::kInvalidArgument) << weak;
  }
}

TEST(RestoreCodeTest, ReleaseBuildsIgnoreTheFastKdfVariable) {
  setenv("COVEN_TEST_FAST_KDF", "1", 1);
  const keys::PassphraseCost cost = RestoreCodeCost();
  unsetenv("COVEN_TEST_FAST_KDF");
#ifdef COVEN_TEST_FAST_KDF
  EXPECT_EQ(cost, keys::PassphraseCost::ForTests());
#else
  EXPECT_EQ(cost, keys::PassphraseCost::Moderate());
#endif
  EXPECT_EQ(RestoreCodeCost(), keys::PassphraseCost::Moderate());
}

}  // namespace
}  // namespace coven::library
