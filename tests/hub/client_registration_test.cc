// The credentials coven registers a device with (sync/home_credentials.h):
// what they sign verifies with the keys they name, and only for that message.
#include <gtest/gtest.h>

#include <array>

#include "coven/entropy.h"
#include "crypto/crypto.h"
#include "hub/wire/registration.h"
#include "members/member_identity.h"
#include "sync/home_credentials.h"

namespace coven::hub {
namespace {

std::array<std::uint8_t, 32> Message(const home::HomeCredentials& keys,
                                     std::string_view space) {
  const std::array<std::uint8_t, 16> hub_id{1, 2, 3};
  const std::array<std::uint8_t, 32> challenge{9, 8, 7};
  return wire::RegistrationMessage(hub_id, space, keys.device_public_key(),
                                   challenge, keys.member_public_key());
}

TEST(HubRegistrationTest, DeviceSignatureVerifiesWithTheDeviceKey) {
  ASSERT_TRUE(crypto::EnsureSodium().ok());
  SeededEntropy entropy(11);
  const crypto::SigningKeyPair device =
      crypto::SigningKeyPair::Generate(entropy);
  home::HomeCredentialsRef keys =
      sync::CredentialsFromKeys(device, members::MemberIdentity());
  EXPECT_EQ(keys->device_public_key(), device.public_key());
  EXPECT_FALSE(keys->member_public_key().has_value());
  EXPECT_EQ(keys->SignAsMember(AsBytes("x")).status().code(),
            StatusCode::kNotFound);

  const auto message = Message(*keys, "space");
  Result<std::array<std::uint8_t, 64>> signature = keys->SignAsDevice(message);
  ASSERT_TRUE(signature.ok()) << signature.status().ToString();
  EXPECT_TRUE(crypto::Verify(device.public_key(), message, *signature).ok());
  // Another space is another message: the signature does not carry over.
  const auto other = Message(*keys, "other");
  EXPECT_NE(message, other);
  EXPECT_FALSE(crypto::Verify(device.public_key(), other, *signature).ok());
}

TEST(HubRegistrationTest, JoiningDeviceSignsWithItsMemberKeyToo) {
  ASSERT_TRUE(crypto::EnsureSodium().ok());
  SeededEntropy entropy(12);
  const crypto::SigningKeyPair device =
      crypto::SigningKeyPair::Generate(entropy);
  const members::MemberIdentity member =
      members::MemberIdentity::Generate(entropy);
  home::HomeCredentialsRef keys = sync::CredentialsFromKeys(device, member);
  ASSERT_TRUE(keys->member_public_key().has_value());
  EXPECT_EQ(*keys->member_public_key(), member.signer().public_key());

  const auto message = Message(*keys, "space");
  // The message names the member key: without it, it differs.
  EXPECT_NE(message, wire::RegistrationMessage(
                         std::array<std::uint8_t, 16>{1, 2, 3}, "space",
                         keys->device_public_key(),
                         std::array<std::uint8_t, 32>{9, 8, 7}, std::nullopt));
  Result<std::array<std::uint8_t, 64>> by_member = keys->SignAsMember(message);
  ASSERT_TRUE(by_member.ok()) << by_member.status().ToString();
  EXPECT_TRUE(
      crypto::Verify(member.signer().public_key(), message, *by_member).ok());
  EXPECT_FALSE(crypto::Verify(device.public_key(), message, *by_member).ok());
}

}  // namespace
}  // namespace coven::hub
