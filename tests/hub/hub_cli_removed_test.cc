// A removed device through the todos and coven programs over a hub: the
// hub refuses it, and the programs say so as a refusal (exit 4, "refuses
// access ... admits it again"), not as a hub that is not reachable (exit
// 3), which once sent users to retry for good.
#include <gtest/gtest.h>

#include "hub/hub_cli_fixture.h"

namespace coven::testing {
namespace {

class HubCliRemovedTest : public HubCliTest {};

TEST_F(HubCliRemovedTest, ARemovedDeviceIsToldItIsRefused) {
  ASSERT_EQ(InitOwner("laptop").exit_code, 0);
  ASSERT_EQ(Todos("add --dir " + Dir("laptop") + " --id t1 before").exit_code,
            0);
  CommandResult phone = JoinWithRestoreCode("laptop", "phone");
  ASSERT_EQ(phone.exit_code, 0) << phone.output;
  const std::string device = DeviceIdToHex(
      crypto::DeviceIdFor(LoadDirectoryKeys(Dir("phone")).device.public_key()));
  CommandResult removed =
      Coven("remove-device " + device + " --dir " + Dir("laptop"));
  ASSERT_EQ(removed.exit_code, 0) << removed.output;

  CommandResult add = Todos("add --dir " + Dir("phone") + " --id t2 late");
  EXPECT_EQ(add.exit_code, 4) << add.output;
  EXPECT_NE(add.output.find("was removed"), std::string::npos) << add.output;
  EXPECT_NE(add.output.find("admits it again"), std::string::npos)
      << add.output;
  EXPECT_EQ(add.output.find("once that is fixed"), std::string::npos)
      << add.output;

  CommandResult status = Coven("status --dir " + Dir("phone"));
  EXPECT_EQ(status.exit_code, 4) << status.output;
  EXPECT_NE(status.output.find("REFUSES ACCESS"), std::string::npos)
      << status.output;
  EXPECT_EQ(status.output.find("NOT REACHABLE"), std::string::npos)
      << status.output;
}

}  // namespace
}  // namespace coven::testing
