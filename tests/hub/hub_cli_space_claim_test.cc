// A space a device claimed on the hub but never used (a misspelt space
// name, an init whose hub died right after the space was made) does not
// block the library that is then started there: `todos init` used to
// fail for good, asking for "this device's key".
#include <gtest/gtest.h>

#include "coven/home_url.h"
#include "hub/hub_cli_fixture.h"
#include "member_log_builder.h"
#include "sync/home_credentials.h"

namespace coven::testing {
namespace {

class HubCliSpaceClaimTest : public HubCliTest {};

TEST_F(HubCliSpaceClaimTest, AnUnusedClaimDoesNotBlockANewLibrary) {
  // Another key registers in the space (which creates it) and writes
  // nothing.
  home::HomeUrlContext context;
  context.credentials = sync::CredentialsFromKeys(
      members::testing::KeyPair("stray.d1"), members::MemberIdentity());
  Result<home::HomeRef> stray = home::OpenHomeUrl(url_, context);
  ASSERT_TRUE(stray.ok()) << stray.status().ToString();
  Result<home::ListPage> listed = (*stray)->List("members/", "", 1);
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  EXPECT_TRUE(listed->objects.empty());

  CommandResult init = InitOwner("laptop");
  ASSERT_EQ(init.exit_code, 0) << init.output;
  CommandResult add = Todos("add --dir " + Dir("laptop") + " --id t1 first");
  EXPECT_EQ(add.exit_code, 0) << add.output;
  CommandResult status = Coven("status --dir " + Dir("laptop"));
  EXPECT_EQ(status.exit_code, 0) << status.output;

  // The stray claim is gone: its key is now refused like any stranger's.
  Result<home::ListPage> again = (*stray)->List("members/", "", 1);
  EXPECT_EQ(again.status().code(), StatusCode::kPermissionDenied)
      << again.status().ToString();
}

}  // namespace
}  // namespace coven::testing
