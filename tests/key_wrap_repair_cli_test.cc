// End to end through the todos and coven programs over a folder home: the
// home lost every key wrap after a rotation the phone had not seen yet. The
// phone says that it waits for the current key (exit 5 from `sync` and
// `status`), and reads on once the laptop's next check seals it again.
#include <gtest/gtest.h>

#include <filesystem>

#include "cli_harness.h"

namespace coven::testing {
namespace {

namespace fs = std::filesystem;

class KeyWrapRepairCliTest : public CliTest {};

TEST_F(KeyWrapRepairCliTest, ADeviceWithoutTheCurrentKeyWaitsUntilItIsSealed) {
  CommandResult init = Todos("init --dir " + Dir("laptop") + " --home " +
                             Home() + " --name laptop");
  ASSERT_EQ(init.exit_code, 0) << init.output;
  CommandResult join = JoinWithRestoreCode("laptop", "phone", " --name phone");
  ASSERT_EQ(join.exit_code, 0) << join.output;
  ASSERT_EQ(Todos("sync --dir " + Dir("laptop")).exit_code, 0);

  CommandResult rotated = Coven("rotate-key --dir " + Dir("laptop"));
  ASSERT_EQ(rotated.exit_code, 0) << rotated.output;
  CommandResult added =
      Todos("add --dir " + Dir("laptop") + " --id k1 sealed-with-the-new-key");
  ASSERT_EQ(added.exit_code, 0) << added.output;
  // The home loses every wrap before the phone fetched the new key.
  ASSERT_GT(fs::remove_all(fs::path(Home()) / "keys"), 0u);

  CommandResult stuck = Coven("sync --dir " + Dir("phone"));
  EXPECT_EQ(stuck.exit_code, 5) << stuck.output;
  EXPECT_NE(stuck.output.find("waiting: this device does not hold the current "
                              "library key"),
            std::string::npos)
      << stuck.output;
  CommandResult status = Coven("status --dir " + Dir("phone"));
  EXPECT_EQ(status.exit_code, 5) << status.output;
  EXPECT_NE(status.output.find("WAITING   this device does not hold"),
            std::string::npos)
      << status.output;

  // What the message says to do: sync on a device that holds the key.
  CommandResult sealed = Coven("sync --dir " + Dir("laptop"));
  EXPECT_EQ(sealed.exit_code, 0) << sealed.output;
  EXPECT_NE(sealed.output.find("sealed the current library key to"),
            std::string::npos)
      << sealed.output;
  CommandResult reads = Coven("sync --dir " + Dir("phone"));
  EXPECT_EQ(reads.exit_code, 0) << reads.output;
  EXPECT_NE(Todos("list --dir " + Dir("phone"))
                .output.find("sealed-with-the-new-key"),
            std::string::npos);
  EXPECT_EQ(Coven("status --dir " + Dir("phone")).exit_code, 0);
}

// A restore onto a new device while the home has no wrap of the current
// key: the restore says that it waits and exits 5 instead of leaving an
// empty database with exit 0; the holder's next sync lets it read.
TEST_F(KeyWrapRepairCliTest, ARestoreWithoutAReadableKeySaysSoAndExits5) {
  CommandResult init = Todos("init --dir " + Dir("laptop") + " --home " +
                             Home() + " --name laptop");
  ASSERT_EQ(init.exit_code, 0) << init.output;
  ASSERT_EQ(Todos("add --dir " + Dir("laptop") + " --id r1 before-the-loss")
                .exit_code,
            0);
  ASSERT_GT(fs::remove_all(fs::path(Home()) / "keys"), 0u);

  CommandResult restored =
      JoinWithRestoreCode("laptop", "tablet", " --name tablet");
  EXPECT_EQ(restored.exit_code, 5) << restored.output;
  EXPECT_NE(restored.output.find("does not hold the current library key"),
            std::string::npos)
      << restored.output;

  CommandResult sealed = Coven("sync --dir " + Dir("laptop"));
  EXPECT_EQ(sealed.exit_code, 0) << sealed.output;
  CommandResult reads = Coven("sync --dir " + Dir("tablet"));
  EXPECT_EQ(reads.exit_code, 0) << reads.output;
  EXPECT_NE(Todos("list --dir " + Dir("tablet")).output.find("before-the-loss"),
            std::string::npos);
}

}  // namespace
}  // namespace coven::testing
