// A hub that lost its store with no backup (a deleted data directory, a new
// database): `coven rebuild-home` on the device that founded the library
// starts the space again (marker, member log, own objects, the current
// key's wraps); every other device puts back its own objects when it
// syncs, and a device set up afterwards gets every row. From any other
// device it is refused without contacting the hub, naming the device that
// can.
#include <gtest/gtest.h>

#include <string>

#include "cli_harness.h"
#include "hub/hub_server.h"

namespace coven::testing {
namespace {

class HubRebuildHomeCliTest : public CliTest {
 protected:
  void SetUp() override {
    auto hub = StartHubProcess(first_store_.path(), 0);
    ASSERT_TRUE(hub.ok()) << hub.status().ToString();
    hub_ = std::move(*hub);
    port_ = hub_->port();
    ASSERT_EQ(InitOwner("laptop").exit_code, 0);
    ASSERT_EQ(
        Todos("add --dir " + Dir("laptop") + " --id l1 from-laptop").exit_code,
        0);
    // One code for the phone now and a tablet after the loss: the laptop
    // keeps its member key.
    CommandResult printed =
        Coven("restore-code --keep-member-key --dir " + Dir("laptop"));
    ASSERT_EQ(printed.exit_code, 0) << printed.output;
    const std::size_t at = printed.output.find("CVK1-");
    ASSERT_NE(at, std::string::npos) << printed.output;
    code_ = {FirstLine(printed.output), FirstLine(printed.output.substr(at))};
    CommandResult join = TodosJoin("phone", code_, " --name phone");
    ASSERT_EQ(join.exit_code, 0) << join.output;
    ASSERT_EQ(
        Todos("add --dir " + Dir("phone") + " --id p1 from-phone").exit_code,
        0);
    ASSERT_EQ(Todos("sync --dir " + Dir("laptop")).exit_code, 0);
  }
  std::string Home() override {
    return "hub://127.0.0.1:" + std::to_string(port_) + "/rebuilt" +
           "?plaintext=1";
  }
  /// The hub starts again, on the same port, with an empty store.
  void LoseTheHubsStore() {
    hub_->Stop();
    auto hub = StartHubProcess(second_store_.path(), port_);
    ASSERT_TRUE(hub.ok()) << hub.status().ToString();
    hub_ = std::move(*hub);
  }

  TempDir first_store_{"hub-rebuild-a"};
  TempDir second_store_{"hub-rebuild-b"};
  std::unique_ptr<util::ChildProcess> hub_;
  int port_ = 0;
  std::pair<std::string, std::string> code_;  // Restore code, secret.
};

TEST_F(HubRebuildHomeCliTest, TheFoundingDeviceStartsALostSpaceAgain) {
  const std::string laptop_status =
      Coven("status --dir " + Dir("laptop")).output;
  const std::size_t device_at = laptop_status.find("device    ");
  ASSERT_NE(device_at, std::string::npos) << laptop_status;
  const std::string laptop_device = laptop_status.substr(device_at + 10, 16);
  const std::string members = Coven("members --dir " + Dir("phone")).output;
  EXPECT_NE(members.find("device " + laptop_device + "  (founded the library)"),
            std::string::npos)
      << members;
  ASSERT_NO_FATAL_FAILURE(LoseTheHubsStore());

  // The phone did not found the library: refused, naming the laptop, and
  // nothing is sent (a first call would make the phone the space's
  // founder).
  CommandResult phone_refused =
      Coven("rebuild-home --confirm --dir " + Dir("phone"));
  EXPECT_EQ(phone_refused.exit_code, 4) << phone_refused.output;
  EXPECT_NE(phone_refused.output.find("only the device that founded"),
            std::string::npos)
      << phone_refused.output;
  EXPECT_NE(phone_refused.output.find(laptop_device), std::string::npos)
      << phone_refused.output;

  // A round of the phone meanwhile claims the empty space and is refused
  // (the home is empty); the laptop takes the unused claim over.
  CommandResult phone_sync = Coven("sync --dir " + Dir("phone"));
  EXPECT_EQ(phone_sync.exit_code, 3) << phone_sync.output;
  EXPECT_NE(phone_sync.output.find("`coven rebuild-home`"), std::string::npos)
      << phone_sync.output;

  CommandResult rebuilt =
      Coven("rebuild-home --confirm --dir " + Dir("laptop"));
  EXPECT_EQ(rebuilt.exit_code, 0) << rebuilt.output;
  EXPECT_NE(rebuilt.output.find("put back member-log entries"),
            std::string::npos)
      << rebuilt.output;
  CommandResult phone = Coven("sync --dir " + Dir("phone"));
  EXPECT_EQ(phone.exit_code, 0) << phone.output;

  CommandResult tablet = TodosJoin("tablet", code_, " --name tablet");
  EXPECT_EQ(tablet.exit_code, 0) << tablet.output;
  const std::string list = Todos("list --dir " + Dir("tablet")).output;
  EXPECT_NE(list.find("from-laptop"), std::string::npos) << list;
  EXPECT_NE(list.find("from-phone"), std::string::npos) << list;
}

}  // namespace
}  // namespace coven::testing
