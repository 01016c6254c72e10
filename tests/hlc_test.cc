#include "coven/hlc.h"

#include <gtest/gtest.h>

namespace coven {
namespace {

TEST(HlcTest, TextRoundTripAndFixedWidth) {
  Hlc h{1732272000123, 7, 0x1a2b3c4d5e6f7a8bULL};
  std::string text = h.ToText();
  EXPECT_EQ(text, "001732272000123-00007-1a2b3c4d5e6f7a8b");
  EXPECT_EQ(text.size(), Hlc::kTextSize);
  auto parsed = Hlc::FromText(text);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(*parsed, h);
}

TEST(HlcTest, TextAndBytesSortLikeStamps) {
  Hlc a{100, 0, 5}, b{100, 1, 0}, c{101, 0, 0}, d{100, 1, 6};
  EXPECT_LT(a, b);
  EXPECT_LT(b, d);
  EXPECT_LT(d, c);
  EXPECT_LT(a.ToText(), b.ToText());
  EXPECT_LT(b.ToText(), d.ToText());
  EXPECT_LT(d.ToText(), c.ToText());
  EXPECT_LT(a.ToBytes(), b.ToBytes());
  EXPECT_LT(d.ToBytes(), c.ToBytes());
  EXPECT_EQ(Hlc::FromBytes(d.ToBytes()), d);
}

TEST(HlcTest, RejectsMalformedText) {
  EXPECT_FALSE(Hlc::FromText(""));
  EXPECT_FALSE(Hlc::FromText("001732272000123-00007-1A2B3C4D5E6F7A8B"));
  EXPECT_FALSE(Hlc::FromText("001732272000123-99999-1a2b3c4d5e6f7a8b"));
  EXPECT_FALSE(Hlc::FromText("001732272000123_00007-1a2b3c4d5e6f7a8b"));
  EXPECT_FALSE(Hlc::FromText("999999999999999-00007-1a2b3c4d5e6f7a8b"));
  EXPECT_FALSE(Hlc::FromText("001732272000123-00007-1a2b3c4d5e6f7a8"));
}

}  // namespace
}  // namespace coven
