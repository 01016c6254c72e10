// End to end through the todos and coven programs over a folder home that
// was really lost: `coven rebuild-home` writes it again from a device that
// synced (marker, member log, own objects, current key's wraps), the other
// device puts back its own objects, and a device set up afterwards gets
// every row. It writes only into an empty home that exists, and only with
// --confirm.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "cli_harness.h"

namespace coven::testing {
namespace {

namespace fs = std::filesystem;

class RebuildHomeCliTest : public CliTest {
 protected:
  void SetUp() override {
    CommandResult init = Todos("init --dir " + Dir("laptop") + " --home " +
                               Home() + " --name laptop");
    ASSERT_EQ(init.exit_code, 0) << init.output;
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
  std::size_t FilesInHome() {
    std::size_t files = 0;
    for (const auto& entry : fs::recursive_directory_iterator(Home())) {
      if (entry.is_regular_file()) ++files;
    }
    return files;
  }

  std::pair<std::string, std::string> code_;  // Restore code, secret.
};

TEST_F(RebuildHomeCliTest, ALostHomeIsRebuiltAndEveryRowReachesANewDevice) {
  for (const auto& entry : fs::directory_iterator(Home())) {
    fs::remove_all(entry.path());
  }
  CommandResult refused = Coven("sync --dir " + Dir("laptop"));
  EXPECT_EQ(refused.exit_code, 3) << refused.output;
  EXPECT_NE(refused.output.find("`coven rebuild-home`"), std::string::npos)
      << refused.output;

  // Without --confirm it only says what it would do.
  CommandResult asked = Coven("rebuild-home --dir " + Dir("laptop"));
  EXPECT_EQ(asked.exit_code, 4) << asked.output;
  EXPECT_NE(asked.output.find("run this again with --confirm"),
            std::string::npos)
      << asked.output;
  EXPECT_EQ(FilesInHome(), 0u);

  CommandResult rebuilt =
      Coven("rebuild-home --confirm --dir " + Dir("laptop"));
  EXPECT_EQ(rebuilt.exit_code, 0) << rebuilt.output;
  EXPECT_NE(rebuilt.output.find("put back member-log entries"),
            std::string::npos)
      << rebuilt.output;
  EXPECT_NE(rebuilt.output.find("sealed the current library key"),
            std::string::npos)
      << rebuilt.output;
  CommandResult phone = Coven("sync --dir " + Dir("phone"));
  EXPECT_EQ(phone.exit_code, 0) << phone.output;

  CommandResult tablet = TodosJoin("tablet", code_, " --name tablet");
  EXPECT_EQ(tablet.exit_code, 0) << tablet.output;
  const std::string list = Todos("list --dir " + Dir("tablet")).output;
  EXPECT_NE(list.find("from-laptop"), std::string::npos) << list;
  EXPECT_NE(list.find("from-phone"), std::string::npos) << list;

  // A second rebuild has nothing to do.
  CommandResult again = Coven("rebuild-home --confirm --dir " + Dir("laptop"));
  EXPECT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find("nothing to rebuild"), std::string::npos)
      << again.output;
}

// A folder that does not exist (an unmounted drive) is not created, and a
// home with files that are not the library's is not written into.
TEST_F(RebuildHomeCliTest, OnlyAnEmptyHomeThatExistsIsRebuilt) {
  fs::remove_all(Home());
  CommandResult missing =
      Coven("rebuild-home --confirm --dir " + Dir("laptop"));
  EXPECT_EQ(missing.exit_code, 4) << missing.output;
  EXPECT_NE(missing.output.find("does not exist"), std::string::npos)
      << missing.output;
  EXPECT_FALSE(fs::exists(Home()));

  fs::create_directories(Home());
  std::ofstream(fs::path(Home()) / "holiday.jpg") << "not coven's";
  CommandResult foreign =
      Coven("rebuild-home --confirm --dir " + Dir("laptop"));
  EXPECT_EQ(foreign.exit_code, 4) << foreign.output;
  EXPECT_NE(foreign.output.find("not this library's"), std::string::npos)
      << foreign.output;
  EXPECT_EQ(FilesInHome(), 1u);
}

// A home that holds this library's data but lost its marker may be a stale
// copy at an unmounted drive's mount point: not marked by a rebuild.
TEST_F(RebuildHomeCliTest, AHomeWithDataButNoMarkerIsNotRebuilt) {
  fs::remove(fs::path(Home()) / "coven-library.json");
  const std::size_t before = FilesInHome();
  CommandResult refused =
      Coven("rebuild-home --confirm --dir " + Dir("laptop"));
  EXPECT_EQ(refused.exit_code, 4) << refused.output;
  EXPECT_NE(refused.output.find("holds this library's data but no marker"),
            std::string::npos)
      << refused.output;
  EXPECT_EQ(FilesInHome(), before);
}

// A hub's space is not touched at all from a device that did not found the
// library (the first call to an empty space would make it the founder, and
// a hub lets only the founding device write the member log's first entry):
// it names the device that can (tests/hub/hub_rebuild_home_cli_test.cc).
TEST_F(RebuildHomeCliTest, AHubHomeIsRefusedWithoutContactingIt) {
  const std::string settings = Dir("phone") + "/library.json";
  std::ifstream in(settings);
  std::string text((std::istreambuf_iterator<char>(in)),
                   std::istreambuf_iterator<char>());
  in.close();
  const std::size_t at = text.find(Home());
  ASSERT_NE(at, std::string::npos) << text;
  text.replace(at, Home().size(), "hub://127.0.0.1:9/space");
  std::ofstream(settings) << text;
  CommandResult refused = Coven("rebuild-home --confirm --dir " + Dir("phone"));
  EXPECT_EQ(refused.exit_code, 4) << refused.output;
  EXPECT_NE(refused.output.find("is a hub"), std::string::npos)
      << refused.output;
  EXPECT_NE(refused.output.find("only the device that founded"),
            std::string::npos)
      << refused.output;
}

}  // namespace
}  // namespace coven::testing
