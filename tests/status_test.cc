#include "coven/status.h"

#include <gtest/gtest.h>

#include <string>

namespace coven {
namespace {

Result<int> Half(int v) {
  if (v % 2) return InvalidArgumentError("odd value " + std::to_string(v));
  return v / 2;
}

Result<int> Quarter(int v) {
  COVEN_ASSIGN_OR_RETURN(int half, Half(v));
  COVEN_ASSIGN_OR_RETURN(int quarter, Half(half));
  return quarter;
}

TEST(StatusTest, PropagatesFirstError) {
  EXPECT_EQ(*Quarter(8), 2);
  Result<int> r = Quarter(6);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().ToString(), "INVALID_ARGUMENT: odd value 3");
}

TEST(StatusTest, AnnotateAndRetryable) {
  Status s = UnavailableError("timeout").Annotate("get log/1");
  EXPECT_EQ(s.message(), "get log/1: timeout");
  EXPECT_TRUE(s.IsRetryable());
  EXPECT_FALSE(DataLossError("x").IsRetryable());
  EXPECT_TRUE(Status::Ok().Annotate("ctx").ok());
}

TEST(StatusTest, ResultFromOkStatusBecomesInternal) {
  Result<int> r{Status::Ok()};
  EXPECT_EQ(r.status().code(), StatusCode::kInternal);
}

// value() on an error never throws (the API promises no exceptions): it
// names the error on stderr and aborts, whichever overload is used.
TEST(StatusDeathTest, ValueOnErrorAbortsWithTheStatus) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  const char* expected =
      "coven: Result::value\\(\\) called on an error: "
      "INVALID_ARGUMENT: odd value 3";
  EXPECT_DEATH(
      {
        Result<int> r = Half(3);
        (void)r.value();
      },
      expected);
  EXPECT_DEATH(
      {
        const Result<int> r = Half(3);
        (void)r.value();
      },
      expected);
  EXPECT_DEATH((void)Half(3).value(), expected);
  EXPECT_DEATH((void)*Half(3), expected);
  EXPECT_DEATH(
      {
        Result<std::string> r = NotFoundError("no such key");
        (void)r->size();
      },
      "coven: Result::value\\(\\) called on an error: NOT_FOUND: no "
      "such key");
}

TEST(StatusTest, ValueOnAValueStillWorks) {
  Result<std::string> r = std::string("abc");
  EXPECT_EQ(r.value(), "abc");
  EXPECT_EQ(r->size(), 3u);
  EXPECT_EQ(std::move(r).value(), "abc");
  EXPECT_EQ(Half(3).value_or(-1), -1);
}

}  // namespace
}  // namespace coven
