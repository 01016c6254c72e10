#include "codes/code.h"

#include <gtest/gtest.h>

#include <string>

#include "codes/base32.h"
#include "coven/entropy.h"

namespace coven::codes {
namespace {

constexpr CodeKind kAllKinds[] = {CodeKind::kIdentity, CodeKind::kInvite,
                                  CodeKind::kRestore};

Bytes Range(std::size_t n) {
  Bytes out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>(i);
  return out;
}

void ExpectInvalid(const Result<Bytes>& result, std::string_view needle) {
  ASSERT_FALSE(result.ok()) << "expected an error containing " << needle;
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(result.status().message().find(needle), std::string::npos)
      << result.status().message();
}

// Vectors computed independently with Python's hashlib.blake2b(payload,
// digest_size=5, key=b"coven/code/v1/" + prefix) and RFC 4648 base32 mapped
// onto the Crockford alphabet.
TEST(CodeTest, GoldenVectors) {
  EXPECT_EQ(EncodeCode(CodeKind::kInvite, AsBytes("coven")),
            "CVI1-CDQQC-SBE1E-DW8XH-7");
  EXPECT_EQ(EncodeCode(CodeKind::kRestore, Range(16)),
            "CVR1-000G4-0R40M-30E20-9185G-R38E1-XKGRX-RZ8G");
  EXPECT_EQ(EncodeCode(CodeKind::kIdentity, {}), "CVP1-BXKTC-MQQ");
}

TEST(CodeTest, RoundTripsEveryKindAndManySizes) {
  SeededEntropy entropy(11);
  for (CodeKind kind : kAllKinds) {
    for (std::size_t size = 0; size <= 120; size += 7) {
      Bytes payload(size);
      entropy.Fill(payload);
      const std::string text = EncodeCode(kind, payload);
      ASSERT_EQ(text.substr(0, 5), std::string(CodePrefix(kind)) + "-");
      Result<Bytes> back = DecodeCode(kind, text);
      ASSERT_TRUE(back.ok()) << back.status().ToString();
      EXPECT_EQ(*back, payload);
      Result<CodeKind> detected = DetectCodeKind(text);
      ASSERT_TRUE(detected.ok());
      EXPECT_EQ(*detected, kind);
    }
  }
}

TEST(CodeTest, TextIsGroupedByFiveInTheAlphabet) {
  const std::string text = EncodeCode(CodeKind::kInvite, Range(32));
  const std::string body = text.substr(5);
  for (std::size_t i = 0; i < body.size(); ++i) {
    if (i % 6 == 5) {
      EXPECT_EQ(body[i], '-') << text;
    } else {
      EXPECT_GE(Base32Value(body[i]), 0) << text;
    }
  }
  EXPECT_NE(body.back(), '-');
  EXPECT_EQ(body.find_first_of("ILOUabcdefghijklmnopqrstuvwxyz"),
            std::string::npos);
}

TEST(CodeTest, ForgivesCaseSeparatorsAndLookalikes) {
  const std::string golden = "CVI1-CDQQC-SBE1E-DW8XH-7";
  const Bytes want = ToBytes("coven");
  for (const std::string& text : {
           std::string("cvi1-cdqqc-sbe1e-dw8xh-7"),
           std::string("CVI1CDQQCSBE1EDW8XH7"),
           std::string("  CVI1 - CDQQC SBE1E\nDW8XH-7 \n"),
           std::string("CVI1-CDQQC-SBE1E-DW8XH-7."),
           std::string("CVI1-CDQQC-SBEIE-DW8XH-7"),  // I for 1.
           std::string("CVI1-CDQQC-SBElE-DW8XH-7"),  // l for 1.
           std::string("CVIl-CDQQC-SBE1E-DW8XH-7"),  // l in the prefix.
           std::string("CVI1-CDQQC-SBE1E-DW8XH-7.\r\n"),
           std::string("cvi1\tcdqqc\tsbe1e\tdw8xh\t7"),
       }) {
    Result<Bytes> decoded = DecodeCode(CodeKind::kInvite, text);
    ASSERT_TRUE(decoded.ok()) << text << ": " << decoded.status().ToString();
    EXPECT_EQ(*decoded, want) << text;
  }
  // O for 0 and o for 0.
  const std::string restore = EncodeCode(CodeKind::kRestore, Range(16));
  std::string typed = restore;
  for (char& c : typed) {
    if (c == '0') c = 'o';
  }
  ASSERT_NE(typed, restore);
  Result<Bytes> decoded = DecodeCode(CodeKind::kRestore, typed);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, Range(16));
}

TEST(CodeTest, RejectsEmptyText) {
  ExpectInvalid(DecodeCode(CodeKind::kInvite, ""), "the code is empty");
  ExpectInvalid(DecodeCode(CodeKind::kInvite, " - \n."), "the code is empty");
  EXPECT_EQ(DetectCodeKind("").status().code(), StatusCode::kInvalidArgument);
}

TEST(CodeTest, RejectsUnknownPrefixes) {
  ExpectInvalid(DecodeCode(CodeKind::kInvite, "hello world"),
                "not a coven code");
  ExpectInvalid(DecodeCode(CodeKind::kInvite, "CVI"), "not a coven code");
  ExpectInvalid(DecodeCode(CodeKind::kInvite, "CVX1-CDQQC"),
                "not a coven code");
  Result<CodeKind> kind = DetectCodeKind("XYZ1-00000");
  ASSERT_FALSE(kind.ok());
  EXPECT_NE(kind.status().message().find("CVI1-"), std::string::npos);
}

TEST(CodeTest, NamesANewerVersion) {
  ExpectInvalid(DecodeCode(CodeKind::kInvite, "CVI2-CDQQC-SBE1E-DW8XH-7"),
                "newer version of coven");
  EXPECT_EQ(DetectCodeKind("cvr9-0000").status().code(),
            StatusCode::kInvalidArgument);
}

TEST(CodeTest, RejectsAnotherKindByName) {
  const std::string restore = EncodeCode(CodeKind::kRestore, Range(16));
  ExpectInvalid(DecodeCode(CodeKind::kInvite, restore),
                "this is a restore code (CVR1), not an invite code (CVI1)");
  ExpectInvalid(DecodeCode(CodeKind::kRestore, "CVI1-CDQQC-SBE1E-DW8XH-7"),
                "this is an invite code (CVI1), not a restore code (CVR1)");
  ExpectInvalid(DecodeCode(CodeKind::kIdentity, restore),
                "not an identity code (CVP1)");
}

TEST(CodeTest, ChecksumIsBoundToTheKind) {
  // The same body under another prefix must fail the checksum.
  const std::string invite = EncodeCode(CodeKind::kInvite, AsBytes("coven"));
  for (CodeKind other : {CodeKind::kIdentity, CodeKind::kRestore}) {
    const std::string relabeled =
        std::string(CodePrefix(other)) + invite.substr(4);
    ExpectInvalid(DecodeCode(other, relabeled), "checksum does not match");
  }
}

TEST(CodeTest, NamesABadCharacterAndItsPosition) {
  ExpectInvalid(DecodeCode(CodeKind::kInvite, "CVI1-CDQ*C-SBE1E-DW8XH-7"),
                "invalid character '*' at position 9");
  ExpectInvalid(DecodeCode(CodeKind::kInvite, "CVI1-CDQUC-SBE1E-DW8XH-7"),
                "'U' at position 9 (did you mean V?)");
  ExpectInvalid(DecodeCode(CodeKind::kInvite, "CVI1-CDQQC-SBE1E-DW8XH-\x01"),
                "byte 0x01 at position 24");
  ExpectInvalid(DecodeCode(CodeKind::kInvite, "CVI1-CDQQC.SBE1E-DW8XH-7"),
                "'.' at position 11");
}

TEST(CodeTest, RejectsAChecksumMismatch) {
  ExpectInvalid(DecodeCode(CodeKind::kInvite, "CVI1-CDQQC-SBE1E-DW8XJ-7"),
                "the code's checksum does not match: a character was "
                "mistyped or the code is incomplete; copy it again");
}

TEST(CodeTest, RejectsWrongLengthsAndTruncation) {
  // 19 body characters cannot encode a whole number of bytes.
  ExpectInvalid(DecodeCode(CodeKind::kInvite, "CVI1-CDQQC-SBE1E-DW8XH-7Z"),
                "wrong length");
  ExpectInvalid(DecodeCode(CodeKind::kInvite, "CVI1-CDQQC-SBE1E-DW8X"),
                "wrong length");
  // A valid length that is shorter than the checksum.
  ExpectInvalid(DecodeCode(CodeKind::kInvite, "CVI1-CDQQ"), "too short");
  ExpectInvalid(DecodeCode(CodeKind::kInvite, "CVI1"), "too short");
  // Dropping a whole group leaves a valid length but a wrong checksum.
  ExpectInvalid(DecodeCode(CodeKind::kInvite, "CVI1-CDQQC-SBE1E-DW8XH"),
                "checksum does not match");
}

TEST(CodeTest, RefusesOversizeTextBeforeWork) {
  const std::string huge(kMaxCodeTextLength + 1, ' ');
  ExpectInvalid(DecodeCode(CodeKind::kInvite, huge),
                "more than any coven code");
  EXPECT_EQ(DetectCodeKind(huge).status().code(), StatusCode::kInvalidArgument);
  // At the limit, padding with spaces is still accepted.
  std::string padded = "CVI1-CDQQC-SBE1E-DW8XH-7";
  padded.resize(kMaxCodeTextLength, ' ');
  EXPECT_TRUE(DecodeCode(CodeKind::kInvite, padded).ok());
}

}  // namespace
}  // namespace coven::codes
