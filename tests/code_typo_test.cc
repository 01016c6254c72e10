// Exhaustive typo checks: every single-character substitution, every swap of
// adjacent characters, every deleted and every duplicated character of a few
// sample codes must be refused.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "codes/base32.h"
#include "codes/code.h"
#include "coven/entropy.h"

namespace coven::codes {
namespace {

std::vector<std::pair<CodeKind, std::string>> Samples() {
  SeededEntropy entropy(2024);
  std::vector<std::pair<CodeKind, std::string>> out;
  const CodeKind kinds[] = {CodeKind::kInvite, CodeKind::kRestore,
                            CodeKind::kIdentity};
  const std::size_t sizes[] = {0, 1, 16, 37, 64};
  int i = 0;
  for (std::size_t size : sizes) {
    Bytes payload(size);
    entropy.Fill(payload);
    const CodeKind kind = kinds[i++ % 3];
    out.emplace_back(kind, EncodeCode(kind, payload));
  }
  return out;
}

// Positions of the symbols of `text` that a user could mistype (not '-').
std::vector<std::size_t> SymbolPositions(const std::string& text) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '-') out.push_back(i);
  }
  return out;
}

TEST(CodeTypoTest, EverySingleSubstitutionIsDetected) {
  std::size_t tried = 0;
  for (const auto& [kind, code] : Samples()) {
    ASSERT_TRUE(DecodeCode(kind, code).ok()) << code;
    for (std::size_t at : SymbolPositions(code)) {
      for (char symbol : kCrockfordAlphabet) {
        if (symbol == code[at]) continue;
        std::string typo = code;
        typo[at] = symbol;
        ++tried;
        EXPECT_FALSE(DecodeCode(kind, typo).ok()) << code << " -> " << typo;
      }
    }
  }
  EXPECT_GT(tried, 5000u);
}

TEST(CodeTypoTest, EveryAdjacentTranspositionIsDetected) {
  std::size_t tried = 0;
  for (const auto& [kind, code] : Samples()) {
    const std::vector<std::size_t> at = SymbolPositions(code);
    for (std::size_t i = 0; i + 1 < at.size(); ++i) {
      if (code[at[i]] == code[at[i + 1]]) continue;
      std::string typo = code;
      std::swap(typo[at[i]], typo[at[i + 1]]);
      ++tried;
      EXPECT_FALSE(DecodeCode(kind, typo).ok()) << code << " -> " << typo;
    }
  }
  EXPECT_GT(tried, 100u);
}

TEST(CodeTypoTest, EveryDroppedOrDoubledCharacterIsDetected) {
  for (const auto& [kind, code] : Samples()) {
    for (std::size_t at : SymbolPositions(code)) {
      std::string dropped = code;
      dropped.erase(at, 1);
      EXPECT_FALSE(DecodeCode(kind, dropped).ok()) << dropped;
      std::string doubled = code;
      doubled.insert(at, 1, code[at]);
      EXPECT_FALSE(DecodeCode(kind, doubled).ok()) << doubled;
    }
  }
}

}  // namespace
}  // namespace coven::codes
