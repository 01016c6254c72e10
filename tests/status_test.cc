#include "coven/status.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace coven
