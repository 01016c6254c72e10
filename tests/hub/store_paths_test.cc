// The store's path names and listing bounds (hub/store/paths.h).
#include <gtest/gtest.h>

#include <random>

#include "hub/store/paths.h"

namespace coven::hub::store {
namespace {

TEST(HubStorePaths, NamesAndParses) {
  EXPECT_EQ(HeadPath(0xab), "heads/00000000000000ab");
  EXPECT_EQ(LogPath(1, 2), "log/0000000000000001/0000000000000002");
  EXPECT_EQ(MemberPath(0xffffffffffffffffull), "members/ffffffffffffffff");
  ParsedPath log = ParsePath(LogPath(0x8000000000000001ull, 7));
  EXPECT_EQ(log.kind, ParsedPath::Kind::kLog);
  EXPECT_EQ(log.author, 0x8000000000000001ull);
  EXPECT_EQ(log.seq, 7u);
  EXPECT_EQ(ParsePath("coven-library.json").kind, ParsedPath::Kind::kMarker);
  EXPECT_EQ(ParsePath("keys/a/b").kind, ParsedPath::Kind::kObject);
  for (const char* bad : {"heads/AB", "heads/00000000000000AB",
                          "log/0000000000000001", "members/1", ""}) {
    EXPECT_EQ(ParsePath(bad).kind, ParsedPath::Kind::kInvalid) << bad;
  }
  EXPECT_EQ(AuthorFromColumn(AuthorColumn(0x8000000000000000ull)),
            0x8000000000000000ull);
  EXPECT_LT(AuthorColumn(0x7fffffffffffffffull),
            AuthorColumn(0x8000000000000000ull));
  EXPECT_LT(AuthorColumn(0), AuthorColumn(1));
}

// Hex16LowerBound(t) is the least v with Hex16(v) >= t: checked against
// its neighbours for random strings over an alphabet around the hex digits.
TEST(HubStorePaths, Hex16LowerBoundIsTheLeastBound) {
  const std::string alphabet = "/09:Aafg";
  std::mt19937_64 random(7);
  for (int i = 0; i < 20000; ++i) {
    std::string text;
    const std::size_t length = random() % 19;
    for (std::size_t j = 0; j < length; ++j) {
      // Mostly '0' and 'f', to reach the edges (all f: no bound).
      const std::uint64_t pick = random() % 12;
      text += pick < 3 ? '0' : pick < 6 ? 'f' : alphabet[pick % 8];
    }
    const std::optional<std::uint64_t> bound = Hex16LowerBound(text);
    if (!bound) {
      EXPECT_LT(Hex16(UINT64_MAX), text) << text;
      continue;
    }
    EXPECT_GE(Hex16(*bound), text) << text;
    if (*bound > 0) {
      EXPECT_LT(Hex16(*bound - 1), text) << text;
    }
  }
  EXPECT_EQ(Hex16LowerBound(""), 0u);
  EXPECT_EQ(Hex16LowerBound("/"), 0u);
  EXPECT_EQ(Hex16LowerBound("A"), 0xa000000000000000ull);
  EXPECT_EQ(Hex16LowerBound("0000000000000001/"), 2u);
  EXPECT_EQ(Hex16LowerBound("fg"), std::nullopt);
  EXPECT_EQ(Hex16LowerBound("ffffffffffffffff"), UINT64_MAX);
  EXPECT_EQ(Hex16LowerBound("ffffffffffffffff0"), std::nullopt);
}

}  // namespace
}  // namespace coven::hub::store
