#include "members/key_wrap.h"

#include <sodium.h>

#include <cstring>

#include "crypto/sealed_box.h"
#include "home/home_layout.h"
#include "object/wire.h"

namespace coven::members {

namespace wire = object::wire;

namespace {

constexpr std::uint8_t kMagic[4] = {'C', 'V', 'K', 'W'};
constexpr std::uint8_t kVersion = 1;
constexpr std::string_view kLabel = "coven/key-wrap/v1";
constexpr std::size_t kSealedBytes = 32 + crypto::kSealedBoxOverhead;
constexpr std::size_t kWrapBytes =
    4 + 1 + 16 + 16 + 32 + 32 + kSealedBytes + 64;

Status Bad(const std::string& why) {
  return InvalidArgumentError("malformed key wrap: " + why);
}

}  // namespace

std::string KeyWrapPath(const crypto::KeyId& key_id,
                        const crypto::PublicKey& recipient_sign) {
  return home::layout::KeyWrapPath(HexEncode(key_id),
                                   MemberIdHex(recipient_sign));
}

Result<PublicIdentity> DeviceRecipient(const crypto::PublicKey& device) {
  COVEN_ASSIGN_OR_RETURN(crypto::PublicKey box, crypto::BoxPublicKeyOf(device));
  return PublicIdentity{device, box};
}

Result<Bytes> WrapKey(const std::array<std::uint8_t, 16>& library_id,
                      const crypto::LibraryKey& key,
                      const PublicIdentity& recipient,
                      const crypto::SigningKeyPair& signer) {
  COVEN_ASSIGN_OR_RETURN(Bytes sealed,
                         crypto::SealTo(recipient.box, key.bytes()));
  Bytes out;
  out.reserve(kWrapBytes);
  wire::PutBytes(out, kMagic);
  wire::PutU8(out, kVersion);
  wire::PutBytes(out, library_id);
  wire::PutBytes(out, key.id());
  wire::PutBytes(out, recipient.sign);
  wire::PutBytes(out, signer.public_key());
  wire::PutBytes(out, sealed);
  wire::PutBytes(out, signer.Sign(crypto::Hash(kLabel, out)));
  return out;
}

Result<UnwrappedKey> UnwrapKey(ByteView bytes,
                               const std::array<std::uint8_t, 16>& library_id,
                               const crypto::KeyId& expected_id,
                               const crypto::PublicKey& recipient_sign,
                               const crypto::BoxKeyPair& box) {
  if (bytes.size() != kWrapBytes) {
    return Bad("it is " + std::to_string(bytes.size()) + " bytes, expected " +
               std::to_string(kWrapBytes));
  }
  wire::Reader reader(bytes);
  std::array<std::uint8_t, 4> magic{};
  std::uint8_t version = 0;
  std::array<std::uint8_t, 16> wrap_library{};
  crypto::KeyId key_id{};
  crypto::PublicKey recipient{}, signer{};
  std::array<std::uint8_t, kSealedBytes> sealed{};
  crypto::Signature signature{};
  reader.ReadArray(&magic);
  reader.ReadU8(&version);
  reader.ReadArray(&wrap_library);
  reader.ReadArray(&key_id);
  reader.ReadArray(&recipient);
  reader.ReadArray(&signer);
  reader.ReadArray(&sealed);
  reader.ReadArray(&signature);
  if (std::memcmp(magic.data(), kMagic, 4) != 0) return Bad("bad magic");
  if (version != kVersion) return Bad("unknown version");
  if (wrap_library != library_id) return Bad("it is for another library");
  if (key_id != expected_id) return Bad("it wraps another key id");
  if (recipient != recipient_sign) {
    return Bad("it is addressed to another recipient");
  }
  const std::size_t signed_size = bytes.size() - signature.size();
  if (!crypto::Verify(signer, crypto::Hash(kLabel, bytes.first(signed_size)),
                      signature)
           .ok()) {
    return UnauthenticatedError("key wrap signature does not verify");
  }
  COVEN_ASSIGN_OR_RETURN(Bytes raw, box.Open(sealed));
  if (raw.size() != 32) return Bad("sealed key has the wrong size");
  std::array<std::uint8_t, 32> key_bytes{};
  std::memcpy(key_bytes.data(), raw.data(), 32);
  sodium_memzero(raw.data(), raw.size());
  UnwrappedKey out{crypto::LibraryKey(key_bytes), signer};
  sodium_memzero(key_bytes.data(), key_bytes.size());
  if (out.key.id() != expected_id) {
    return UnauthenticatedError(
        "the key inside the wrap does not match its key id (substituted)");
  }
  return out;
}

}  // namespace coven::members
