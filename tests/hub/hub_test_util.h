// Shared by the hub's tests: a HubCore over a fresh SQLite store with a
// manual clock, devices that register by signing, and pushes.
#ifndef COVEN_TESTS_HUB_HUB_TEST_UTIL_H_
#define COVEN_TESTS_HUB_HUB_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "coven/hlc.h"
#include "coven/testing/manual_clock.h"
#include "crypto/crypto.h"
#include "hub/server/hub_core.h"
#include "hub/wire/registration.h"
#include "member_log_builder.h"

namespace coven::hub::testing {

namespace pb = ::coven::hub::v1;
using members::testing::Chain;
using members::testing::KeyPair;
using server::Caller;
using server::HubCore;

inline std::string Str(const Bytes& b) {
  return std::string(b.begin(), b.end());
}
inline ByteView View(const std::string& s) {
  return ByteView(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}

/// A temporary directory removed at the end.
class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "coven-hub-test-XXXXXX")
            .string();
    path_ = mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

/// A HubCore over a fresh SQLite store.
class HubCoreFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(crypto::EnsureSodium().ok());
    auto store = store::OpenSqliteStore(dir_.path());
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = *store;
    clock_ = std::make_shared<coven::testing::ManualClock>();
    auto core = HubCore::Create(store_, clock_,
                                std::make_shared<SeededEntropy>(42), {});
    ASSERT_TRUE(core.ok()) << core.status().ToString();
    core_ = std::move(*core);
  }

  /// Registers device `name` (member key of `member` too, when set) in
  /// `space`: the token, or why not.
  Result<std::string> Register(const std::string& space,
                               const std::string& name,
                               const std::optional<std::string>& member = {}) {
    const crypto::SigningKeyPair device = KeyPair(name);
    COVEN_ASSIGN_OR_RETURN(pb::ChallengeReply challenge,
                           Challenge(space, device.public_key()));
    return RegisterWith(space, device, challenge, member);
  }

  /// A challenge for `key` in `space`.
  Result<pb::ChallengeReply> Challenge(const std::string& space,
                                       const crypto::PublicKey& key) {
    pb::ChallengeRequest ask;
    ask.set_space(space);
    ask.set_device_public_key(std::string(key.begin(), key.end()));
    return core_->GetChallenge(ask);
  }

  Result<std::string> RegisterWith(
      const std::string& space, const crypto::SigningKeyPair& device,
      const pb::ChallengeReply& challenge,
      const std::optional<std::string>& member,
      const crypto::SigningKeyPair* signer = nullptr) {
    pb::RegisterRequest request;
    request.set_space(space);
    request.set_device_public_key(
        std::string(device.public_key().begin(), device.public_key().end()));
    request.set_challenge(challenge.challenge());
    std::optional<std::array<std::uint8_t, 32>> member_key;
    std::optional<crypto::SigningKeyPair> member_pair;
    if (member) {
      member_pair = members::testing::Identity(*member).signer();
      member_key = member_pair->public_key();
    }
    const auto message = wire::RegistrationMessage(
        View(challenge.hub_id()), space, device.public_key(),
        View(challenge.challenge()), member_key);
    const crypto::Signature signature =
        (signer ? *signer : device).Sign(ByteView(message.data(), 32));
    request.set_device_signature(
        std::string(signature.begin(), signature.end()));
    if (member_pair) {
      request.set_member_public_key(
          std::string(member_key->begin(), member_key->end()));
      const crypto::Signature s =
          member_pair->Sign(ByteView(message.data(), 32));
      request.set_member_signature(std::string(s.begin(), s.end()));
    }
    COVEN_ASSIGN_OR_RETURN(pb::RegisterReply reply,
                           core_->RegisterDevice(request, "test"));
    return reply.token();
  }

  Result<Caller> Auth(const std::string& token) {
    return core_->Authenticate(View(token), "test");
  }

  static pb::Object Obj(const std::string& path, const std::string& data) {
    pb::Object o;
    o.set_path(path);
    o.set_data(data);
    return o;
  }

  /// Pushes `objects` (and `head`) as the holder of `token`.
  Result<pb::PushReply> PushAs(const std::string& token,
                               std::vector<pb::Object> objects,
                               std::optional<pb::Object> head = {}) {
    COVEN_ASSIGN_OR_RETURN(Caller caller, Auth(token));
    return core_->Push(caller, objects, head);
  }

  /// Founds `space` as "alice.d1" with `chain`'s genesis and appends the
  /// rest of `chain`: alice.d1's token.
  std::string Found(const std::string& space, const Chain& chain) {
    auto token = Register(space, "alice.d1");
    EXPECT_TRUE(token.ok()) << token.status().ToString();
    for (std::size_t slot = 1; slot <= chain.slots().size(); ++slot) {
      auto pushed = PushAs(
          *token, {Obj(members::MemberEntryPath(slot), Str(chain.slot(slot)))});
      EXPECT_TRUE(pushed.ok())
          << "slot " << slot << ": " << pushed.status().ToString();
    }
    return token.ok() ? *token : "";
  }

  static std::string LogPathOf(const std::string& device, std::uint64_t seq) {
    return "log/" +
           DeviceIdToHex(crypto::DeviceIdFor(KeyPair(device).public_key())) +
           "/" + DeviceIdToHex(seq);
  }
  static std::string HeadPathOf(const std::string& device) {
    return "heads/" +
           DeviceIdToHex(crypto::DeviceIdFor(KeyPair(device).public_key()));
  }

  TempDir dir_;
  store::StoreRef store_;
  std::shared_ptr<coven::testing::ManualClock> clock_;
  std::unique_ptr<HubCore> core_;
};

}  // namespace coven::hub::testing

#endif  // COVEN_TESTS_HUB_HUB_TEST_UTIL_H_
