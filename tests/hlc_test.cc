#include "coven/hlc.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <string>
#include <vector>

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

// The hand-written formatter must produce exactly what the original
// snprintf("%015llu-%05u-%016llx") did: stamps already stored and compared
// as TEXT on other devices were written by it.
std::string SnprintfText(const Hlc& h) {
  char buf[Hlc::kTextSize + 1];
  std::snprintf(buf, sizeof(buf), "%015llu-%05u-%016llx",
                static_cast<unsigned long long>(h.millis & Hlc::kMaxMillis),
                static_cast<unsigned>(h.counter),
                static_cast<unsigned long long>(h.device));
  return std::string(buf, Hlc::kTextSize);
}

TEST(HlcTest, TextMatchesSnprintfFormat) {
  std::vector<Hlc> stamps = {
      {0, 0, 0},
      {Hlc::kMaxMillis, 0xffff, ~std::uint64_t{0}},
      {1, 1, 1},
      {9, 9, 0xf},
      {10, 10, 0x10},
      {99999, 9999, 0xabcdef},
      {100000, 10000, 0x8000000000000000ULL},
      {1732272000123, 7, 0x1a2b3c4d5e6f7a8bULL},
      {999999999999999, 65535, 0x0123456789abcdefULL},
      {~std::uint64_t{0}, 5, 5},  // bits above 48 are dropped by both
  };
  std::mt19937_64 rng(42);
  for (int i = 0; i < 100000; ++i) {
    // Mix full-range and small values so every digit count is covered.
    const int shift = static_cast<int>(rng() % 64);
    stamps.push_back({rng() & Hlc::kMaxMillis >> (shift % 48),
                      static_cast<std::uint16_t>(rng() >> (shift % 16)),
                      rng() >> shift});
  }
  for (const Hlc& h : stamps) {
    ASSERT_EQ(h.ToText(), SnprintfText(h))
        << h.millis << " " << h.counter << " " << h.device;
  }
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
