// KeyService custody kinds: every secret kind round-trips through each
// store; passphrase files hold no key bytes; the keyring never falls back to
// plaintext; the default files custody keeps its 0600 rules.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>
#include <vector>

#include "coven/keys.h"
#include "secret_store_test_util.h"

namespace coven::keys {
namespace {

using testing::Contains;
using testing::ModeOf;
using testing::ReadAll;
using testing::ScratchDir;

const std::string kLibraryId(32, 'a');

KeyCustody Custody(KeyCustody::Kind kind, std::string passphrase = "") {
  KeyCustody custody;
  custody.kind = kind;
  custody.passphrase = std::move(passphrase);
  custody.cost = PassphraseCost::ForTests();
  return custody;
}

EncryptionKey Key(std::uint8_t fill) {
  EncryptionKey key;
  key.bytes.fill(fill);
  key.bytes[0] = 0x42;
  return key;
}

bool HasKey(const std::vector<EncryptionKey>& keys, const EncryptionKey& key) {
  for (const EncryptionKey& k : keys) {
    if (k.bytes == key.bytes) return true;
  }
  return false;
}

std::vector<std::string> FilesIn(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    out.push_back(entry.path().string());
  }
  return out;
}

// The four secret kinds a KeyService holds, read back from `keys`.
struct Secrets {
  EncryptionKey founding;
  DeviceKey device;
  std::array<std::uint8_t, 32> member{};
};

Secrets CreateAll(KeyService& keys) {
  Secrets s;
  s.founding = keys.get_or_create_encryption_key().value();
  s.device = keys.get_or_create_device_key().value();
  s.member = keys.get_or_create_member_seed().value();
  EXPECT_TRUE(keys.store_library_key(Key(1)).ok());
  EXPECT_TRUE(keys.store_library_key(Key(2)).ok());
  EXPECT_TRUE(keys.store_library_key(Key(1)).ok());  // Twice is OK.
  return s;
}

void ExpectSame(KeyService& keys, const Secrets& s) {
  EXPECT_EQ(keys.get_or_create_encryption_key().value().bytes,
            s.founding.bytes);
  EXPECT_EQ(keys.get_or_create_device_key().value().seed, s.device.seed);
  EXPECT_EQ(keys.get_or_create_member_seed().value(), s.member);
  auto all = keys.library_keys();
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(all->size(), 3u);
  EXPECT_TRUE(HasKey(*all, Key(1)));
  EXPECT_TRUE(HasKey(*all, Key(2)));
  EXPECT_TRUE(HasKey(*all, s.founding));
}

class KeyCustodyRoundTrip : public ::testing::TestWithParam<KeyCustody::Kind> {
};

TEST_P(KeyCustodyRoundTrip, AllFourSecretKindsSurviveReopening) {
  ScratchDir dir;
  const std::string key_dir = dir.path() + "/keys";
  auto keys = KeyService::WithCustody(Custody(GetParam(), "correct horse"),
                                      kLibraryId, key_dir);
  ASSERT_TRUE(keys.ok()) << keys.status().ToString();
  EXPECT_EQ(keys->custody(), GetParam());
  EXPECT_EQ(keys->dev_mode(), GetParam() == KeyCustody::Kind::kMemory);
  Secrets s = CreateAll(*keys);
  ExpectSame(*keys, s);
  KeyService copy = *keys;  // Copies share the keys.
  ExpectSame(copy, s);
  EXPECT_EQ(copy.import_encryption_key(Key(9)).code(),
            StatusCode::kAlreadyExists);
  EXPECT_EQ(copy.import_member_seed(Key(9).bytes).code(),
            StatusCode::kAlreadyExists);
  if (GetParam() == KeyCustody::Kind::kMemory) {
    EXPECT_FALSE(std::filesystem::exists(key_dir));
    return;
  }
  auto reopened = KeyService::WithCustody(Custody(GetParam(), "correct horse"),
                                          kLibraryId, key_dir);
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  // library_keys() first: it must find the keys without any other call.
  auto listed = reopened->library_keys();
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  EXPECT_EQ(listed->size(), 3u);
  ExpectSame(*reopened, s);
  EXPECT_EQ(reopened->import_member_seed(Key(9).bytes).code(),
            StatusCode::kAlreadyExists);
  EXPECT_EQ(reopened->import_encryption_key(Key(9)).code(),
            StatusCode::kAlreadyExists);
}

TEST_P(KeyCustodyRoundTrip, ADroppedMemberSeedIsGoneAndNeverRecreated) {
  ScratchDir dir;
  const std::string key_dir = dir.path() + "/keys";
  auto keys = KeyService::WithCustody(Custody(GetParam(), "correct horse"),
                                      kLibraryId, key_dir);
  ASSERT_TRUE(keys.ok()) << keys.status().ToString();
  Secrets s = CreateAll(*keys);
  ASSERT_TRUE(keys->set_member_seed_enrol_only().ok());
  EXPECT_TRUE(keys->member_seed_enrol_only().value());
  ASSERT_TRUE(keys->drop_member_seed().ok());
  ASSERT_TRUE(keys->drop_member_seed().ok());  // Twice is OK.
  auto check = [&](KeyService& service) {
    EXPECT_TRUE(service.member_seed_dropped().value());
    EXPECT_FALSE(service.member_seed_enrol_only().value());
    Result<std::array<std::uint8_t, 32>> seed =
        service.get_or_create_member_seed();
    EXPECT_EQ(seed.status().code(), StatusCode::kFailedPrecondition);
    EXPECT_NE(seed.status().message().find("restore code"), std::string::npos);
    EXPECT_EQ(service.import_member_seed(s.member).code(),
              StatusCode::kFailedPrecondition);
    // The other secrets stay.
    EXPECT_EQ(service.get_or_create_device_key().value().seed, s.device.seed);
    EXPECT_EQ(service.library_keys().value().size(), 3u);
  };
  check(*keys);
  if (GetParam() == KeyCustody::Kind::kMemory) return;
  for (const std::string& file : FilesIn(key_dir)) {
    EXPECT_EQ(file.find("/member.key"), std::string::npos) << file;
  }
  auto reopened = KeyService::WithCustody(Custody(GetParam(), "correct horse"),
                                          kLibraryId, key_dir);
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  check(*reopened);
}

TEST(KeyCustodyTest, ASeedLeftByACrashDuringTheDropIsDeletedOnNextUse) {
  ScratchDir dir;
  const std::string key_dir = dir.path() + "/keys";
  KeyService keys(false, kLibraryId, key_dir);
  ASSERT_TRUE(keys.get_or_create_member_seed().ok());
  const std::string seed_file = key_dir + "/member.key";
  const std::string saved = dir.path() + "/member.key.saved";
  std::filesystem::copy_file(seed_file, saved);
  ASSERT_TRUE(keys.drop_member_seed().ok());
  // The crash: the marker is written, the seed file is still there.
  std::filesystem::copy_file(saved, seed_file);
  KeyService reopened(false, kLibraryId, key_dir);
  EXPECT_TRUE(reopened.member_seed_dropped().value());
  EXPECT_FALSE(std::filesystem::exists(seed_file));
}

INSTANTIATE_TEST_SUITE_P(Kinds, KeyCustodyRoundTrip,
                         ::testing::Values(KeyCustody::Kind::kMemory,
                                           KeyCustody::Kind::kFiles,
                                           KeyCustody::Kind::kPassphraseFile),
                         [](const auto& info) {
                           return std::string(KeyCustodyName(info.param));
                         });

TEST(KeyCustodyTest, ImportsBeforeFirstUseArePersisted) {
  ScratchDir dir;
  const KeyCustody custody =
      Custody(KeyCustody::Kind::kPassphraseFile, "correct horse");
  {
    auto keys = KeyService::WithCustody(custody, kLibraryId, dir.path());
    ASSERT_TRUE(keys.ok());
    ASSERT_TRUE(keys->import_encryption_key(Key(5)).ok());
    ASSERT_TRUE(keys->import_member_seed(Key(6).bytes).ok());
  }
  auto keys = KeyService::WithCustody(custody, kLibraryId, dir.path());
  ASSERT_TRUE(keys.ok());
  EXPECT_EQ(keys->get_or_create_encryption_key()->bytes, Key(5).bytes);
  EXPECT_EQ(*keys->get_or_create_member_seed(), Key(6).bytes);
  EXPECT_TRUE(keys->import_member_seed(Key(6).bytes).ok());
}

TEST(KeyCustodyTest, ReceivedKeysFromTwoServicesShareOneDirectory) {
  ScratchDir dir;
  const KeyCustody custody =
      Custody(KeyCustody::Kind::kPassphraseFile, "correct horse");
  auto a = KeyService::WithCustody(custody, kLibraryId, dir.path());
  auto b = KeyService::WithCustody(custody, kLibraryId, dir.path());
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_TRUE(a->store_library_key(Key(1)).ok());
  ASSERT_TRUE(b->store_library_key(Key(2)).ok());
  ASSERT_TRUE(a->store_library_key(Key(3)).ok());
  for (KeyService* keys : {&*a, &*b}) {
    auto all = keys->library_keys();
    ASSERT_TRUE(all.ok()) << all.status().ToString();
    EXPECT_EQ(all->size(), 3u);
    EXPECT_TRUE(HasKey(*all, Key(1)) && HasKey(*all, Key(2)) &&
                HasKey(*all, Key(3)));
  }
}

TEST(KeyCustodyTest, PassphraseFilesHoldNoKeyBytes) {
  ScratchDir dir;
  auto keys = KeyService::WithCustody(
      Custody(KeyCustody::Kind::kPassphraseFile, "correct horse"), kLibraryId,
      dir.path());
  ASSERT_TRUE(keys.ok());
  Secrets s = CreateAll(*keys);
  const EncryptionKey one = Key(1);
  const EncryptionKey two = Key(2);
  std::vector<Bytes> secrets = {
      Bytes(s.founding.bytes.begin(), s.founding.bytes.end()),
      Bytes(s.device.seed.begin(), s.device.seed.end()),
      Bytes(s.member.begin(), s.member.end()),
      Bytes(one.bytes.begin(), one.bytes.end()),
      Bytes(two.bytes.begin(), two.bytes.end())};
  const std::vector<std::string> files = FilesIn(dir.path());
  EXPECT_EQ(files.size(), 5u);
  for (const std::string& file : files) {
    EXPECT_EQ(ModeOf(file), 0600u) << file;
    const Bytes content = ReadAll(file);
    std::string text(content.begin(), content.end());
    for (auto& c : text) c = static_cast<char>(std::tolower(c));
    for (const Bytes& secret : secrets) {
      EXPECT_FALSE(Contains(content, secret)) << file;
      EXPECT_EQ(text.find(HexEncode(secret)), std::string::npos) << file;
      // Any 8-byte window of the secret, raw, is absent too.
      EXPECT_FALSE(
          Contains(content, Bytes(secret.begin() + 8, secret.begin() + 16)))
          << file;
    }
  }
}

TEST(KeyCustodyTest, WrongPassphraseIsRefusedAndCreatesNothing) {
  ScratchDir dir;
  std::array<std::uint8_t, 32> member{};
  {
    auto keys = KeyService::WithCustody(
        Custody(KeyCustody::Kind::kPassphraseFile, "correct horse"), kLibraryId,
        dir.path());
    ASSERT_TRUE(keys.ok());
    member = *keys->get_or_create_member_seed();
    ASSERT_TRUE(keys->store_library_key(Key(1)).ok());
  }
  const Bytes before = ReadAll(dir.path() + "/member.key");
  auto wrong = KeyService::WithCustody(
      Custody(KeyCustody::Kind::kPassphraseFile, "battery staple"), kLibraryId,
      dir.path());
  ASSERT_TRUE(wrong.ok());
  auto seed = wrong->get_or_create_member_seed();
  EXPECT_EQ(seed.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(seed.status().message().find("wrong passphrase"), std::string::npos)
      << seed.status().ToString();
  EXPECT_EQ(wrong->library_keys().status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(ReadAll(dir.path() + "/member.key"), before);

  auto missing = KeyService::WithCustody(
      Custody(KeyCustody::Kind::kPassphraseFile, ""), kLibraryId, dir.path());
  EXPECT_EQ(missing.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(missing.status().message().find("passphrase"), std::string::npos);

  // Plain files custody never mistakes a sealed file for a key.
  KeyService plain(false, kLibraryId, dir.path());
  EXPECT_FALSE(plain.get_or_create_member_seed().ok());
  EXPECT_EQ(ReadAll(dir.path() + "/member.key"), before);
}

TEST(KeyCustodyTest, KeyringUnavailableNeverFallsBackToFiles) {
  ScratchDir dir;
  const std::string key_dir = dir.path() + "/keys";
  auto keys = KeyService::WithCustody(Custody(KeyCustody::Kind::kKeyring),
                                      kLibraryId, key_dir);
  if (keys.ok()) GTEST_SKIP() << "an OS keyring is reachable here";
  EXPECT_EQ(keys.status().code(), StatusCode::kUnavailable)
      << keys.status().ToString();
  EXPECT_NE(keys.status().message().find("keyring"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(key_dir));
  EXPECT_TRUE(FilesIn(dir.path()).empty());

  auto no_scope =
      KeyService::WithCustody(Custody(KeyCustody::Kind::kKeyring), "", key_dir);
  EXPECT_EQ(no_scope.status().code(), StatusCode::kInvalidArgument);
}

TEST(KeyCustodyTest, FilesCustodyKeepsModesAndRefusesLooseOnes) {
  for (bool with_custody : {false, true}) {
    ScratchDir dir;
    const std::string key_dir = dir.path() + "/keys";
    KeyService keys = with_custody ? KeyService::WithCustody(
                                         Custody(KeyCustody::Kind::kFiles),
                                         kLibraryId, key_dir)
                                         .value()
                                   : KeyService(false, kLibraryId, key_dir);
    CreateAll(keys);
    const std::vector<std::string> files = FilesIn(key_dir);
    EXPECT_EQ(files.size(), 5u);
    for (const std::string& file : files) EXPECT_EQ(ModeOf(file), 0600u);
    ASSERT_EQ(chmod((key_dir + "/member.key").c_str(), 0644), 0);
    KeyService again(false, kLibraryId, key_dir);
    auto seed = again.get_or_create_member_seed();
    EXPECT_EQ(seed.status().code(), StatusCode::kPermissionDenied);
    EXPECT_NE(seed.status().message().find("chmod 600"), std::string::npos);
  }
}

TEST(KeyCustodyTest, NamesRoundTrip) {
  for (KeyCustody::Kind kind :
       {KeyCustody::Kind::kFiles, KeyCustody::Kind::kPassphraseFile,
        KeyCustody::Kind::kKeyring, KeyCustody::Kind::kMemory}) {
    EXPECT_EQ(ParseKeyCustodyKind(KeyCustodyName(kind)).value(), kind);
  }
  EXPECT_EQ(ParseKeyCustodyKind("plaintext").status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace coven::keys
