#include "crypto/secret.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <string>
#include <utility>

#include "crypto/crypto.h"

namespace coven::crypto {
namespace {

std::array<std::uint8_t, 32> Filled(std::uint8_t value) {
  std::array<std::uint8_t, 32> bytes{};
  bytes.fill(value);
  return bytes;
}

bool AllZero(const std::array<std::uint8_t, 32>& bytes) {
  return std::all_of(bytes.begin(), bytes.end(),
                     [](std::uint8_t b) { return b == 0; });
}

TEST(SecretArrayTest, WipeZeroesTheBytes) {
  SecretArray<32> secret(Filled(0xab));
  EXPECT_EQ(secret.get(), Filled(0xab));
  secret.Wipe();
  EXPECT_TRUE(AllZero(secret.get()));
}

TEST(SecretArrayTest, CopiesAreIndependent) {
  SecretArray<32> original(Filled(7));
  SecretArray<32> copy(original);
  SecretArray<32> assigned;
  assigned = original;
  original.Wipe();
  EXPECT_EQ(copy.get(), Filled(7));
  EXPECT_EQ(assigned.get(), Filled(7));
  EXPECT_TRUE(AllZero(original.get()));
}

TEST(SecretArrayTest, MovedFromIsZeroed) {
  SecretArray<32> source(Filled(9));
  SecretArray<32> moved(std::move(source));
  EXPECT_EQ(moved.get(), Filled(9));
  EXPECT_TRUE(AllZero(source.get()));  // NOLINT(bugprone-use-after-move)
  SecretArray<32> target;
  target = std::move(moved);
  EXPECT_EQ(target.get(), Filled(9));
  EXPECT_TRUE(AllZero(moved.get()));  // NOLINT(bugprone-use-after-move)
}

TEST(SecretArrayTest, KeysStillWorkAfterCopies) {
  LibraryKey key(Filled(3));
  LibraryKey copy = key;
  EXPECT_EQ(copy.bytes(), Filled(3));
  EXPECT_EQ(copy.id(), key.id());
  SigningKeyPair pair = SigningKeyPair::FromSeed(Filled(5));
  SigningKeyPair other = pair;
  const Bytes message = ToBytes("hello");
  EXPECT_TRUE(Verify(pair.public_key(), message, other.Sign(message)).ok());
  EXPECT_EQ(other.seed(), Filled(5));
}

TEST(WipeTest, WipeStringAndBytesClearThem) {
  std::string text = "00112233445566778899aabbccddeeff";
  WipeString(text);
  EXPECT_TRUE(text.empty());
  Bytes bytes(32, 0x5a);
  WipeBytes(bytes);
  EXPECT_TRUE(bytes.empty());
  {
    std::string scoped = "secret";
    ScopedWipe<std::string> wipe(scoped);
  }
}

}  // namespace
}  // namespace coven::crypto
