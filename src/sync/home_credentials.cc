#include "sync/home_credentials.h"

#include <memory>
#include <optional>

#include "crypto/secret.h"

namespace coven::sync {
namespace {

class KeyCredentials final : public home::HomeCredentials {
 public:
  KeyCredentials(const crypto::SigningKeyPair& device,
                 const members::MemberIdentity& member)
      : device_(device), member_(member) {}

  std::array<std::uint8_t, 32> device_public_key() const override {
    return device_.public_key();
  }
  Result<std::array<std::uint8_t, 64>> SignAsDevice(
      ByteView message) const override {
    return device_.Sign(message);
  }
  std::optional<std::array<std::uint8_t, 32>> member_public_key()
      const override {
    if (!member_.has_seed()) return std::nullopt;
    return member_.signer().public_key();
  }
  Result<std::array<std::uint8_t, 64>> SignAsMember(
      ByteView message) const override {
    if (!member_.has_seed()) {
      return NotFoundError("this device does not hold its member's seed");
    }
    return member_.signer().Sign(message);
  }

 private:
  const crypto::SigningKeyPair device_;
  const members::MemberIdentity member_;
};

}  // namespace

home::HomeCredentialsRef CredentialsFromKeys(
    const crypto::SigningKeyPair& device,
    const members::MemberIdentity& member) {
  return std::make_shared<KeyCredentials>(device, member);
}

Result<home::HomeCredentialsRef> CredentialsFromKeyService(
    keys::KeyService& key_service) {
  COVEN_RETURN_IF_ERROR(crypto::EnsureSodium());
  COVEN_ASSIGN_OR_RETURN(keys::DeviceKey device_key,
                         key_service.get_or_create_device_key());
  const crypto::SigningKeyPair device =
      crypto::SigningKeyPair::FromSeed(device_key.seed);
  members::MemberIdentity member;
  COVEN_ASSIGN_OR_RETURN(bool dropped, key_service.member_seed_dropped());
  if (!dropped) {
    COVEN_ASSIGN_OR_RETURN(auto seed, key_service.get_or_create_member_seed());
    member = members::MemberIdentity::FromSeed(seed);
    crypto::WipeMemory(seed.data(), seed.size());
  }
  return CredentialsFromKeys(device, member);
}

}  // namespace coven::sync
