#include <gtest/gtest.h>

#include "codes/base32.h"
#include "coven/entropy.h"

namespace coven::codes {
namespace {

TEST(Base32Test, KnownVectors) {
  EXPECT_EQ(Base32Encode({}), "");
  EXPECT_EQ(Base32Encode(ToBytes("f")), "CR");
  EXPECT_EQ(Base32Encode(ToBytes("fo")), "CSQG");
  EXPECT_EQ(Base32Encode(ToBytes("foobar")), "CSQPYRK1E8");
  const Bytes ones(5, 0xff);
  EXPECT_EQ(Base32Encode(ones), "ZZZZZZZZ");
  EXPECT_EQ(Base32Encode(Bytes(5, 0)), "00000000");
}

TEST(Base32Test, RoundTripsEveryLength) {
  SeededEntropy entropy(7);
  for (std::size_t size = 0; size < 70; ++size) {
    Bytes data(size);
    entropy.Fill(data);
    const std::string text = Base32Encode(data);
    EXPECT_EQ(text.size(), Base32Length(size));
    const std::optional<Bytes> back = Base32Decode(text);
    ASSERT_TRUE(back.has_value()) << size;
    EXPECT_EQ(*back, data);
  }
}

TEST(Base32Test, RejectsImpossibleLengths) {
  EXPECT_FALSE(Base32Decode("0").has_value());
  EXPECT_FALSE(Base32Decode("000").has_value());
  EXPECT_FALSE(Base32Decode("000000").has_value());
  EXPECT_TRUE(Base32Decode("00").has_value());
}

TEST(Base32Test, RejectsNonZeroPadding) {
  // "CR" is "f"; "CS" differs only in the two padding bits.
  EXPECT_TRUE(Base32Decode("CR").has_value());
  EXPECT_FALSE(Base32Decode("CS").has_value());
  EXPECT_FALSE(Base32Decode("CT").has_value());
}

TEST(Base32Test, RejectsSymbolsOutsideTheAlphabet) {
  for (char c : std::string("ILOU*a-")) {
    EXPECT_EQ(Base32Value(c), -1) << c;
    EXPECT_FALSE(Base32Decode(std::string("0") + c).has_value()) << c;
  }
  for (int v = 0; v < 32; ++v) EXPECT_EQ(Base32Value(kCrockfordAlphabet[v]), v);
}

}  // namespace
}  // namespace coven::codes
