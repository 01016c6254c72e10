// A member-log entry that enrols a device key no library key can be sealed
// to (a low-order point) is refused by every device, so it cannot stop the
// rotations that lock out removed devices. Before the rule, such an entry
// passed, and every later rotation failed on it ("not a valid Ed25519
// public key") until the device was removed.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>

#include "coven/bytes.h"
#include "coven/memory_home.h"
#include "home_member_log.h"
#include "member_log_builder.h"
#include "members/key_wrap.h"
#include "members/member_entry.h"
#include "members/member_identity.h"
#include "members/member_log.h"
#include "test_device.h"

namespace coven::testing {
namespace {

constexpr std::int64_t kStartMs = 1'700'000'000'000;

// Writes the next slot as the member itself would (a restore code carries
// the member seed): an add-device entry for `device`.
void PlantAddDevice(home::Home& home, const TestLibrary& library,
                    const crypto::PublicKey& device) {
  const members::MemberLog log = ReadHomeMemberLog(home);
  const members::MemberIdentity member =
      members::MemberIdentity::FromSeed(library.member_seed);
  members::MemberEntry e;
  e.type = members::EntryType::kAddDevice;
  Bytes id;
  ASSERT_TRUE(HexDecode(library.id_hex, &id));
  std::copy(id.begin(), id.end(), e.library_id.begin());
  e.seq = log.size() + 1;
  e.prev_hash = log.head_hash();
  e.time_ms = kStartMs;
  e.signer = member.signer().public_key();
  e.member_sign = member.signer().public_key();
  e.device = device;
  Result<Bytes> bytes = members::EncodeEntry(e, member.signer());
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  ASSERT_TRUE(home.Create(members::MemberEntryPath(e.seq), *bytes).ok());
}

using members::testing::LowOrderKey;

TEST(UnusableDeviceKeyTest, AnEnrolledKeyThatCannotTakeASealedBoxIsRefused) {
  auto home = home::MemoryHome::Create();
  auto clock = std::make_shared<ManualClock>(kStartMs);
  const TestLibrary lib = MakeLibrary(5);
  auto x = TestDevice::Create(lib, home, 1, clock);
  x->Sync();
  auto y = TestDevice::Create(lib, home, 2, clock);
  y->Sync();
  x->Sync();

  PlantAddDevice(*home, lib, LowOrderKey());
  const std::uint64_t planted = ReadHomeMemberLog(*home).size();
  const members::MemberLog log = ReadHomeMemberLog(*home);
  ASSERT_EQ(log.verdicts().size(), planted);
  EXPECT_EQ(log.verdicts().back().status.code(), StatusCode::kInvalidArgument)
      << log.verdicts().back().status.ToString();
  EXPECT_EQ(log.current().FindDevice(LowOrderKey()), nullptr);

  // Like any slot that breaks a rule, it blocks the log with an alarm that
  // names it, until an Owner who has looked skips it.
  const auto report = x->manager().sync_now();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  ASSERT_FALSE(report->alarms.empty());
  EXPECT_NE(report->alarms.front().find("slot " + std::to_string(planted)),
            std::string::npos)
      << report->alarms.front();
  EXPECT_NE(report->alarms.front().find("no library key can be sealed"),
            std::string::npos)
      << report->alarms.front();
  Status skipped = x->manager().skip_member_slot(planted);
  ASSERT_TRUE(skipped.ok()) << skipped.ToString();
  x->Sync();
  y->Sync();

  // The rotation a removal needs still goes through, sealed to both devices.
  Status rotated = x->manager().rotate_key();
  ASSERT_TRUE(rotated.ok()) << rotated.ToString();
  const members::MemberLog after = ReadHomeMemberLog(*home);
  ASSERT_EQ(after.size(), planted + 2) << "the skip, then the rotation";
  EXPECT_TRUE(after.verdicts().back().status.ok());
  std::size_t wraps = 0;
  const auto members = x->manager().get_members();
  ASSERT_TRUE(members.ok()) << members.status().ToString();
  for (const auto& member : *members) {
    for (const auto& device : member.devices) {
      Bytes key;
      ASSERT_TRUE(HexDecode(device.public_key, &key));
      crypto::PublicKey pub{};
      std::copy(key.begin(), key.end(), pub.begin());
      const std::string path =
          members::KeyWrapPath(after.current().current_key_id(), pub);
      EXPECT_TRUE(home->Get(path, 4096).ok()) << path;
      ++wraps;
    }
  }
  EXPECT_EQ(wraps, 2u);
  x->Exec(
      "INSERT INTO todos(id, title, _updated_at) VALUES "
      "('t1', 'after the rotation', coven_hlc())");
  x->Sync();
  y->Sync();
  EXPECT_EQ(y->Dump("todos", false), x->Dump("todos", false));
}

}  // namespace
}  // namespace coven::testing
