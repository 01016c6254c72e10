#include "codes/tlv.h"

#include <gtest/gtest.h>

#include <string>

namespace coven::codes {
namespace {

void ExpectInvalid(const Result<std::vector<TlvRecord>>& result,
                   std::string_view needle) {
  ASSERT_FALSE(result.ok()) << "expected an error containing " << needle;
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(result.status().message().find(needle), std::string::npos)
      << result.status().message();
}

TEST(TlvTest, WriterLayoutIsTagVarintLengthValue) {
  TlvWriter writer;
  writer.AddString(1, "ab").Add(2, {}).AddUint(3, 300);
  const Bytes want = {1, 2, 'a', 'b', 2, 0, 3, 2, 0xac, 0x02};
  EXPECT_EQ(writer.bytes(), want);
}

TEST(TlvTest, LongValuesUseMultiByteLengths) {
  const Bytes big(200, 0x5a);
  Bytes data = TlvWriter().Add(9, big).Finish();
  ASSERT_EQ(data.size(), 1 + 2 + 200u);
  EXPECT_EQ(data[1], 0xc8);
  EXPECT_EQ(data[2], 0x01);
  Result<std::vector<TlvRecord>> records = ReadTlv(data, {});
  ASSERT_TRUE(records.ok()) << records.status().ToString();
  ASSERT_EQ(records->size(), 1u);
  EXPECT_EQ(Bytes(records->at(0).value.begin(), records->at(0).value.end()),
            big);
}

TEST(TlvTest, RoundTripsRecordsInOrder) {
  const Bytes data = TlvWriter()
                         .AddString(1, "store")
                         .AddUint(2, 0)
                         .AddUint(3, ~std::uint64_t{0})
                         .Add(4, Bytes(32, 7))
                         .Finish();
  TlvRules rules;
  rules.known_tags = {1, 2, 3, 4};
  rules.required_tags = {1, 4};
  Result<std::vector<TlvRecord>> records = ReadTlv(data, rules);
  ASSERT_TRUE(records.ok()) << records.status().ToString();
  ASSERT_EQ(records->size(), 4u);
  EXPECT_EQ(AsString(FindTlv(*records, 1)->value), "store");
  EXPECT_EQ(*TlvUint(FindTlv(*records, 2)->value), 0u);
  EXPECT_EQ(*TlvUint(FindTlv(*records, 3)->value), ~std::uint64_t{0});
  EXPECT_EQ(FindTlv(*records, 4)->value.size(), 32u);
  EXPECT_EQ(FindTlv(*records, 5), nullptr);
  EXPECT_TRUE(ReadTlv({}, {}).ok());
}

TEST(TlvTest, DuplicatesFollowTheRules) {
  const Bytes data = TlvWriter().AddString(1, "a").AddString(1, "b").Finish();
  ExpectInvalid(ReadTlv(data, {}), "record at byte 3 (tag 1) repeats");
  TlvRules keep;
  keep.duplicates = TlvDuplicates::kKeepAll;
  Result<std::vector<TlvRecord>> records = ReadTlv(data, keep);
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), 2u);
  EXPECT_EQ(AsString(records->at(1).value), "b");
  EXPECT_EQ(AsString(FindTlv(*records, 1)->value), "a");
}

TEST(TlvTest, UnknownTagsFollowTheRules) {
  const Bytes data = TlvWriter().AddString(1, "a").AddString(77, "x").Finish();
  TlvRules rules;
  rules.known_tags = {1};
  Result<std::vector<TlvRecord>> skipped = ReadTlv(data, rules);
  ASSERT_TRUE(skipped.ok());
  ASSERT_EQ(skipped->size(), 1u);
  EXPECT_EQ(skipped->at(0).tag, 1);
  rules.unknown = TlvUnknown::kReject;
  ExpectInvalid(ReadTlv(data, rules), "(tag 77) has an unknown tag");
}

TEST(TlvTest, MissingRequiredTagIsNamed) {
  TlvRules rules;
  rules.required_tags = {1, 2};
  ExpectInvalid(ReadTlv(TlvWriter().AddString(1, "a").Finish(), rules),
                "required tag 2 is missing");
}

TEST(TlvTest, RejectsTruncationAndOverruns) {
  ExpectInvalid(ReadTlv(Bytes{1}, {}), "truncated or invalid length");
  ExpectInvalid(ReadTlv(Bytes{1, 0x80}, {}), "truncated or invalid length");
  ExpectInvalid(ReadTlv(Bytes{1, 3, 'a', 'b'}, {}),
                "declares 3 bytes but only 2 remain");
  ExpectInvalid(ReadTlv(Bytes{1, 0, 2, 0xff, 0xff, 0xff, 0xff, 0x0f}, {}),
                "record at byte 2 (tag 2) declares 4294967295 bytes");
}

TEST(TlvTest, RejectsNonCanonicalVarints) {
  // Length 1 written in two bytes.
  ExpectInvalid(ReadTlv(Bytes{1, 0x81, 0x00, 'a'}, {}), "invalid length");
  // Eleven continuation bytes.
  Bytes overlong = {1};
  overlong.insert(overlong.end(), 10, 0x80);
  overlong.push_back(0);
  ExpectInvalid(ReadTlv(overlong, {}), "invalid length");
  // 2^64 does not fit.
  Bytes overflow = {1};
  overflow.insert(overflow.end(), 9, 0x80);
  overflow.push_back(0x02);
  ExpectInvalid(ReadTlv(overflow, {}), "invalid length");
}

TEST(TlvTest, TlvUintRequiresExactlyOneMinimalVarint) {
  EXPECT_EQ(*TlvUint(Bytes{0x7f}), 127u);
  EXPECT_FALSE(TlvUint({}).ok());
  EXPECT_FALSE(TlvUint(Bytes{0x01, 0x00}).ok());
  EXPECT_FALSE(TlvUint(Bytes{0x80, 0x00}).ok());
  EXPECT_EQ(TlvUint(Bytes{0x80}).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace coven::codes
