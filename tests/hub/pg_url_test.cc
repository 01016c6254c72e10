// A PostgreSQL URL's password never reaches a message: masked as written,
// percent-decoded, in a query or key=value setting, and in any URL quoted.
#include "hub/store/pg_url.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace coven::hub::store {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(PgUrlTest, MasksThePasswordInEveryForm) {
  const std::string url = "postgresql://u:sec%40ret@[bad/db";
  const std::string said =
      "missing \"]\" in URI: \"" + url + "\"; password sec@ret was refused";
  const std::string masked = MaskPostgresSecrets(said, url);
  EXPECT_THAT(masked, Not(HasSubstr("sec%40ret")));
  EXPECT_THAT(masked, Not(HasSubstr("sec@ret")));
  EXPECT_THAT(masked, HasSubstr("postgresql://u:***@[bad/db"));

  EXPECT_EQ(MaskPostgresSecrets("x", "host=h password='p w' dbname=d"), "x");
  EXPECT_EQ(MaskPostgresSecrets("bad 'p w' near password",
                                "host=h "
                                "password='p w' dbname=d"),
            "bad '***' near password");
  EXPECT_EQ(MaskPostgresSecrets("bad hunter2!",
                                "postgresql://h/db?password=hunter2!&x=1"),
            "bad ***");
  // Any URL quoted loses its user info's password, whoever's it is.
  EXPECT_EQ(MaskPostgresSecrets("at postgres://a:b@c/d now", "host=h"),
            "at postgres://a:***@c/d now");
}

TEST(PgUrlTest, OnlyUnparsableUrlsHaveAProblem) {
  EXPECT_EQ(PostgresUrlProblem("postgresql://u:pw@127.0.0.1:5432/db"), "");
  EXPECT_EQ(PostgresUrlProblem("host=127.0.0.1 dbname=hub"), "");
  const std::string problem =
      PostgresUrlProblem("postgresql://u:secretpw@[bad/db");
  EXPECT_NE(problem, "");
  EXPECT_THAT(problem, Not(HasSubstr("secretpw")));
  EXPECT_THAT(PostgresUrlProblem("postgresql://u:sec%zzret@host/db"),
              Not(HasSubstr("sec%zzret")));
}

}  // namespace
}  // namespace coven::hub::store
