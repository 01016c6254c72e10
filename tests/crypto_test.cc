#include "crypto/crypto.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <set>
#include <string>

#include "coven/entropy.h"

namespace coven::crypto {
namespace {

Bytes FromHex(std::string_view hex) {
  Bytes out;
  EXPECT_TRUE(HexDecode(hex, &out)) << hex;
  return out;
}

template <std::size_t N>
std::array<std::uint8_t, N> ArrayFromHex(std::string_view hex) {
  const Bytes bytes = FromHex(hex);
  std::array<std::uint8_t, N> out{};
  EXPECT_EQ(bytes.size(), N);
  std::copy_n(bytes.begin(), std::min(N, bytes.size()), out.begin());
  return out;
}

TEST(CryptoTest, EnsureSodiumSucceedsRepeatedly) {
  EXPECT_TRUE(EnsureSodium().ok());
  EXPECT_TRUE(EnsureSodium().ok());
}

TEST(CryptoTest, HashFramesTheLabelByItsLength) {
  // Hash(label, data) = BLAKE2b-256(u32be(|label|) || label || data).
  const std::string_view label = "coven/test/v1";
  const std::string data = "hello";
  const Bytes framed =
      ToBytes(std::string(3, '\0') + static_cast<char>(label.size()) +
              std::string(label) + data);
  Hash256 expected{};
  crypto_generichash(expected.data(), expected.size(), framed.data(),
                     framed.size(), nullptr, 0);
  EXPECT_EQ(Hash(label, AsBytes(data)), expected);
}

TEST(CryptoTest, LabelsCannotCollideWithData) {
  EXPECT_NE(Hash("ab", AsBytes("c")), Hash("a", AsBytes("bc")));
  EXPECT_NE(Hash("", AsBytes("abc")), Hash("abc", AsBytes("")));
  EXPECT_NE(Hash("x", AsBytes("")), Hash("y", AsBytes("")));
  EXPECT_EQ(Hash("x", AsBytes("data")), Hash("x", AsBytes("data")));
}

TEST(CryptoTest, IncrementalHasherMatchesOneShot) {
  const Bytes data = ToBytes("the quick brown fox jumps over the lazy dog");
  Hasher hasher("coven/test/v1");
  hasher.Update(ByteView(data).first(10)).Update(ByteView(data).subspan(10));
  EXPECT_EQ(hasher.Final(), Hash("coven/test/v1", data));
  // A copied hasher continues independently.
  Hasher a("label");
  a.Update(AsBytes("prefix"));
  Hasher b = a;
  EXPECT_EQ(a.Update(AsBytes("1")).Final(), Hash("label", AsBytes("prefix1")));
  EXPECT_EQ(b.Update(AsBytes("2")).Final(), Hash("label", AsBytes("prefix2")));
}

TEST(CryptoTest, LibraryKeySubkeysComeFromCryptoKdf) {
  SeededEntropy entropy(7);
  const LibraryKey key = LibraryKey::Generate(entropy);
  KeyId id{};
  crypto_kdf_derive_from_key(id.data(), id.size(), 1, "covenkid",
                             key.bytes().data());
  EXPECT_EQ(key.id(), id);
  const struct {
    const std::array<std::uint8_t, 32>& subkey;
    std::uint64_t subkey_id;
    const char* context;
  } subkeys[] = {{key.nonce_key(), 2, "covennon"},
                 {key.aead_key(), 3, "covenaed"},
                 {key.schema_key(), 4, "covensch"}};
  for (const auto& s : subkeys) {
    std::array<std::uint8_t, 32> expected{};
    crypto_kdf_derive_from_key(expected.data(), expected.size(), s.subkey_id,
                               s.context, key.bytes().data());
    EXPECT_EQ(s.subkey, expected) << s.context;
  }
  EXPECT_NE(LibraryKey::Generate(entropy).id(), key.id());
}

TEST(CryptoTest, KeyedHasherFramesTheLabelUnderTheKey) {
  // Hasher(label, key) = BLAKE2b-256(key, u32be(|label|) || label || data).
  const std::array<std::uint8_t, 32> key{1, 2, 3};
  const std::string_view label = "coven/test/v1";
  const Bytes framed =
      ToBytes(std::string(3, '\0') + static_cast<char>(label.size()) +
              std::string(label) + "data");
  Hash256 expected{};
  crypto_generichash(expected.data(), expected.size(), framed.data(),
                     framed.size(), key.data(), key.size());
  EXPECT_EQ(Hasher(label, key).Update(AsBytes("data")).Final(), expected);
  EXPECT_NE(Hasher(label, key).Update(AsBytes("data")).Final(),
            Hash(label, AsBytes("data")));
}

TEST(CryptoTest, SeededGenerationIsDeterministic) {
  SeededEntropy a(99), b(99), c(100);
  const LibraryKey key_a = LibraryKey::Generate(a);
  const LibraryKey key_b = LibraryKey::Generate(b);
  const LibraryKey key_c = LibraryKey::Generate(c);
  EXPECT_EQ(key_a.bytes(), key_b.bytes());
  EXPECT_NE(key_a.bytes(), key_c.bytes());
  EXPECT_EQ(SigningKeyPair::Generate(a).public_key(),
            SigningKeyPair::Generate(b).public_key());
}

TEST(CryptoTest, Ed25519MatchesRfc8032TestVector1) {
  const auto seed = ArrayFromHex<32>(
      "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
  const SigningKeyPair pair = SigningKeyPair::FromSeed(seed);
  EXPECT_EQ(HexEncode(pair.public_key()),
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  EXPECT_EQ(pair.seed(), seed);
  const Signature signature = pair.Sign(ByteView());
  EXPECT_EQ(HexEncode(signature),
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
            "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
  EXPECT_TRUE(Verify(pair.public_key(), ByteView(), signature).ok());
}

TEST(CryptoTest, VerifyRejectsTamperingAndOtherKeys) {
  SeededEntropy entropy(3);
  const SigningKeyPair alice = SigningKeyPair::Generate(entropy);
  const SigningKeyPair bob = SigningKeyPair::Generate(entropy);
  const Bytes message = ToBytes("append log/1/2");
  const Signature signature = alice.Sign(message);
  ASSERT_TRUE(Verify(alice.public_key(), message, signature).ok());

  const Status other_key = Verify(bob.public_key(), message, signature);
  EXPECT_EQ(other_key.code(), StatusCode::kUnauthenticated);
  EXPECT_NE(other_key.message().find("does not verify"), std::string::npos);

  Bytes changed = message;
  changed.back() ^= 1;
  EXPECT_EQ(Verify(alice.public_key(), changed, signature).code(),
            StatusCode::kUnauthenticated);
  for (std::size_t i = 0; i < signature.size(); ++i) {
    Signature flipped = signature;
    flipped[i] ^= 0x01;
    EXPECT_FALSE(Verify(alice.public_key(), message, flipped).ok()) << i;
  }
}

TEST(CryptoTest, CopiedKeyPairSignsIdentically) {
  SeededEntropy entropy(5);
  const SigningKeyPair original = SigningKeyPair::Generate(entropy);
  const SigningKeyPair copy = original;  // NOLINT: testing the copy
  const Bytes message = ToBytes("m");
  EXPECT_EQ(copy.Sign(message), original.Sign(message));
  EXPECT_EQ(SigningKeyPair::FromSeed(original.seed()).public_key(),
            original.public_key());
}

TEST(CryptoTest, DeviceIdIsBoundToThePublicKey) {
  SeededEntropy entropy(11);
  std::set<std::uint64_t> ids;
  for (int i = 0; i < 64; ++i) {
    const SigningKeyPair pair = SigningKeyPair::Generate(entropy);
    const std::uint64_t id = DeviceIdFor(pair.public_key());
    EXPECT_EQ(id, DeviceIdFor(pair.public_key()));
    const Hash256 digest = Hash("coven/device-id/v1", pair.public_key());
    std::uint64_t expected = 0;
    for (int b = 0; b < 8; ++b) expected = expected << 8 | digest[b];
    EXPECT_EQ(id, expected);
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), 64u);
}

}  // namespace
}  // namespace coven::crypto
