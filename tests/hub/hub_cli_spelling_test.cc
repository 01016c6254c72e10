// A hub URL with its scheme in upper case (HUB://) syncs through the hub
// like hub://, instead of into a folder named "HUB:" next to the user.
#include <gtest/gtest.h>

#include <filesystem>

#include "hub/hub_cli_fixture.h"

namespace coven::testing {
namespace {

class HubCliSpellingTest : public HubCliTest {};

TEST_F(HubCliSpellingTest, AnUpperCaseSchemeReachesTheHub) {
  ASSERT_TRUE(url_.starts_with("hub://")) << url_;
  const std::string upper = "HUB" + url_.substr(3);
  CommandResult init =
      RunCommand("cd " + tmp_ / "" + " && " + TodosBin() + " init --dir " +
                 Dir("a") + " --home '" + upper + "' --name a");
  ASSERT_EQ(init.exit_code, 0) << init.output;
  EXPECT_FALSE(std::filesystem::exists(tmp_ / "HUB:"));
  CommandResult add = Todos("add --dir " + Dir("a") + " 'buy milk'");
  ASSERT_EQ(add.exit_code, 0) << add.output;
  // Another device of the same person, on the hub as hub://, gets it.
  CommandResult joined = JoinWithRestoreCode("a", "b");
  ASSERT_EQ(joined.exit_code, 0) << joined.output;
  CommandResult list = Todos("list --dir " + Dir("b"));
  EXPECT_NE(list.output.find("buy milk"), std::string::npos) << list.output;
}

}  // namespace
}  // namespace coven::testing
