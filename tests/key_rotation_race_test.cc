// A rotation that races a removal: the rotating device writes its key wraps,
// loses the member-log slot to the removal, and retries. The key that ends
// up current must not be sealed to the removed device (each attempt draws a
// fresh key; the wraps of a lost attempt seal a key that is never used).
#include <gtest/gtest.h>

#include <functional>

#include "coven/bytes.h"
#include "coven/memory_home.h"
#include "home_member_log.h"
#include "members/key_wrap.h"
#include "members/member_log.h"
#include "test_device.h"

namespace coven::testing {
namespace {

constexpr std::int64_t kRotationStartMs = 1'700'000'000'000;

// Runs `hook` once, just before the first member-log slot is created.
class HookHome final : public home::Home {
 public:
  explicit HookHome(home::HomeRef inner) : inner_(std::move(inner)) {}
  std::function<void()> hook;
  Status Create(std::string_view path, ByteView data) override {
    if (hook && path.rfind("members/", 0) == 0) {
      auto h = std::move(hook);
      hook = nullptr;
      h();
    }
    return inner_->Create(path, data);
  }
  Status Replace(std::string_view p, ByteView d) override {
    return inner_->Replace(p, d);
  }
  Result<Bytes> Get(std::string_view p, std::uint64_t m) override {
    return inner_->Get(p, m);
  }
  Result<Bytes> GetRange(std::string_view p, std::uint64_t o,
                         std::uint64_t l) override {
    return inner_->GetRange(p, o, l);
  }
  Result<home::ListPage> List(std::string_view p, std::string_view s,
                              std::size_t m) override {
    return inner_->List(p, s, m);
  }
  Status Delete(std::string_view p) override { return inner_->Delete(p); }
  home::Capabilities capabilities() const override {
    return inner_->capabilities();
  }
  std::string Describe() const override { return "hook " + inner_->Describe(); }

 private:
  home::HomeRef inner_;
};

crypto::PublicKey DevicePub(TestDevice& who, TestDevice& any) {
  const std::string id = who.manager().status().device_id;
  auto members = any.manager().get_members();
  for (auto& m : *members)
    for (auto& d : m.devices)
      if (d.device_id == id) {
        Bytes b;
        HexDecode(d.public_key, &b);
        crypto::PublicKey k{};
        std::copy(b.begin(), b.end(), k.begin());
        return k;
      }
  ADD_FAILURE() << "no device " << id;
  return {};
}

TEST(KeyRotationRaceTest,
     ARotationThatLosesItsSlotToARemovalSealsNothingToTheRemovedDevice) {
  auto mem = home::MemoryHome::Create();
  auto hook = std::make_shared<HookHome>(mem);
  auto clock = std::make_shared<ManualClock>(kRotationStartMs);
  const TestLibrary lib = MakeLibrary(1);
  auto x = TestDevice::Create(lib, hook, 1, clock);
  x->Sync();
  auto y = TestDevice::Create(lib, mem, 2, clock);
  y->Sync();
  auto d = TestDevice::Create(lib, mem, 3, clock);
  d->Sync();
  x->Sync();
  y->Sync();
  d->Sync();
  const crypto::PublicKey dpub = DevicePub(*d, *x);
  const std::string did = d->manager().status().device_id;
  Status removed;
  // X's rotation writes its wraps, then Y's removal takes the slot X was
  // about to create; X retries in the next slot.
  hook->hook = [&] { removed = y->manager().remove_device(did); };
  Status rotated = x->manager().rotate_key();
  ASSERT_TRUE(removed.ok()) << removed.ToString();
  ASSERT_TRUE(rotated.ok()) << rotated.ToString();
  members::MemberLog log = ReadHomeMemberLog(*mem);
  const auto& st = log.current();
  ASSERT_FALSE(st.FindDevice(dpub)->active);
  const crypto::KeyId cur = st.current_key_id();
  const std::string path = members::KeyWrapPath(cur, dpub);
  ASSERT_EQ(log.size(), 5u) << "both entries landed, the rotation last";
  EXPECT_FALSE(mem->Get(path, 4096).ok())
      << "the current key is sealed to the removed device: " << path;
}

}  // namespace
}  // namespace coven::testing
