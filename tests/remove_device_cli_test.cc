// Per-device keys through the coven and todos programs: a device that made
// or used a restore code keeps only its device key; library keys are sealed
// to each device; `coven remove-device` rotates the key so that the removed
// device, with every file it kept, opens nothing written after, and its
// writes past the cut apply nowhere (security issue finding 6).
#include <gtest/gtest.h>

#include <filesystem>

#include "cli_harness.h"
#include "crypto/sealed_box.h"
#include "members/key_wrap.h"

namespace coven::testing {
namespace {

class RemoveDeviceCliTest : public CliTest {
 protected:
  // The laptop founds the library and writes t1; the phone is the same
  // member, restored from the laptop's restore code.
  void LaptopAndPhone() {
    ASSERT_EQ(InitOwner("laptop").exit_code, 0);
    ASSERT_EQ(Todos("add --dir " + Dir("laptop") + " --id t1 before").exit_code,
              0);
    CommandResult phone = JoinWithRestoreCode("laptop", "phone");
    ASSERT_EQ(phone.exit_code, 0) << phone.output;
  }
  std::string List(const std::string& who) {
    Todos("sync --dir " + Dir(who));
    return Todos("list --dir " + Dir(who)).output;
  }
  std::string DeviceIdOf(const std::string& who) {
    return DeviceIdToHex(
        crypto::DeviceIdFor(LoadDirectoryKeys(Dir(who)).device.public_key()));
  }
  bool KeepsMemberSeed(const std::string& who) {
    return std::filesystem::exists(Dir(who) + "/keys/member.key");
  }
};

TEST_F(RemoveDeviceCliTest, DevicesSyncWithoutTheMemberKeyAndGetNewKeys) {
  LaptopAndPhone();
  // The code took the seed off the laptop; the phone dropped it once
  // enrolled. Neither needs it to sync.
  EXPECT_FALSE(KeepsMemberSeed("laptop"));
  EXPECT_FALSE(KeepsMemberSeed("phone"));
  EXPECT_NE(Coven("status --dir " + Dir("phone"))
                .output.find("member key not on this device"),
            std::string::npos);
  // A new key reaches the phone through the wrap sealed to its device.
  CommandResult rotated = Coven("rotate-key --dir " + Dir("laptop"));
  ASSERT_EQ(rotated.exit_code, 0) << rotated.output;
  ASSERT_EQ(Todos("add --dir " + Dir("laptop") + " --id t2 new-key").exit_code,
            0);
  EXPECT_NE(List("phone").find("new-key"), std::string::npos);
  ASSERT_EQ(
      Todos("add --dir " + Dir("phone") + " --id t3 from-phone").exit_code, 0);
  EXPECT_NE(List("laptop").find("from-phone"), std::string::npos);
}

TEST_F(RemoveDeviceCliTest, ARemovedDeviceOpensNothingNew) {
  LaptopAndPhone();
  EXPECT_NE(List("phone").find("before"), std::string::npos);
  const std::string phone = DeviceIdOf("phone");
  CommandResult removed =
      Coven("remove-device " + phone + " --dir " + Dir("laptop"));
  ASSERT_EQ(removed.exit_code, 0) << removed.output;
  EXPECT_NE(removed.output.find("rotated"), std::string::npos);
  // What the removal costs, and how to keep it small next time.
  EXPECT_NE(removed.output.find("warning: writes of device " + phone +
                                " that had not reached this device before "
                                "the removal are dropped"),
            std::string::npos)
      << removed.output;
  EXPECT_NE(removed.output.find("sync it\nwhile it still can, then sync here"),
            std::string::npos)
      << removed.output;
  EXPECT_NE(Coven("members --dir " + Dir("laptop"))
                .output.find("device " + phone + "  (removed)"),
            std::string::npos);
  ASSERT_EQ(
      Todos("add --dir " + Dir("laptop") + " --id t2 after-removal").exit_code,
      0);

  // The phone keeps every file it had and syncs: it sees nothing new.
  EXPECT_EQ(List("phone").find("after-removal"), std::string::npos);
  // Nothing it holds opens the new key: none of its key files is it, and
  // no wrap of it in the home opens with its device key.
  auto home = home::FolderHome::Open(Home());
  ASSERT_TRUE(home.ok());
  const members::MemberLog log = ReadMemberLog(**home);
  const crypto::KeyId current = log.current().current_key_id();
  const DirectoryKeys kept = LoadDirectoryKeys(Dir("phone"));
  ASSERT_FALSE(kept.keys.empty());
  for (const crypto::LibraryKey& key : kept.keys) EXPECT_NE(key.id(), current);
  const crypto::BoxKeyPair box =
      crypto::BoxKeyPair::FromSigningKey(kept.device);
  auto wraps =
      home::ListAll(**home, "keys/" + HexEncode(current) + "/", kTestMaxList);
  ASSERT_TRUE(wraps.ok());
  EXPECT_GE(wraps->size(), 2u);  // the laptop's device and the member
  for (const home::ObjectInfo& wrap : *wraps) {
    auto bytes = (*home)->Get(wrap.path, kTestMaxRead);
    ASSERT_TRUE(bytes.ok());
    EXPECT_FALSE(members::UnwrapKey(*bytes, kept.library_id, current,
                                    kept.device.public_key(), box)
                     .ok())
        << wrap.path << " opens on the removed device";
  }
  EXPECT_FALSE(KeepsMemberSeed("phone"));

  // Its writes past the cut apply nowhere, whatever position they name.
  CommandResult add =
      Todos("add --dir " + Dir("phone") + " --id t3 from-removed");
  EXPECT_NE(add.output.find("this device was removed"), std::string::npos)
      << add.output;
  ForceWrite(Dir("phone"), Home(), "t4");
  const std::string laptop = List("laptop");
  EXPECT_EQ(laptop.find("from-removed"), std::string::npos) << laptop;
  EXPECT_EQ(laptop.find("t4"), std::string::npos) << laptop;
  EXPECT_NE(laptop.find("after-removal"), std::string::npos) << laptop;
}

TEST_F(RemoveDeviceCliTest, UnknownAndRemovedDevicesAreRefused) {
  LaptopAndPhone();
  CommandResult unknown =
      Coven("remove-device 0123456789abcdef --dir " + Dir("laptop"));
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_NE(unknown.output.find("coven members"), std::string::npos)
      << unknown.output;
  const std::string phone = DeviceIdOf("phone");
  ASSERT_EQ(
      Coven("remove-device " + phone + " --dir " + Dir("laptop")).exit_code, 0);
  CommandResult again =
      Coven("remove-device " + phone + " --dir " + Dir("laptop"));
  EXPECT_NE(again.exit_code, 0);
  EXPECT_NE(again.output.find("no active device"), std::string::npos)
      << again.output;
}

}  // namespace
}  // namespace coven::testing
