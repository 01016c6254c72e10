#include "library/library_codes.h"

#include <sodium.h>

#include <array>
#include <cstdlib>
#include <cstring>
#include <span>

#include "codes/code.h"
#include "codes/tlv.h"
#include "coven/passphrase_cost.h"
#include "coven/secret_input.h"
#include "keys/passphrase_box.h"
#include "keys/passphrase_strength.h"

namespace coven::library {

namespace {

enum Tag : std::uint8_t {
  kVersion = 1,
  kLibraryId = 2,
  kGenesis = 3,
  kProvider = 4,
  kContainer = 5,
  kAccount = 6,
  kTable = 7,
  kSeed = 8,         // restore (old codes, read only): the seed in clear
  kSealedSeed = 9,   // restore: the member seed sealed with a passphrase
  kSecretSeed = 10,  // restore: the seed sealed with a recovery secret
  kNoHistory = 11,   // present (value 1): the member reads the future only
};

constexpr std::size_t kRecoverySecretBytes = 16;
constexpr std::size_t kNonceBytes =
    crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr std::size_t kTagBytes = crypto_aead_xchacha20poly1305_ietf_ABYTES;
constexpr char kSecretKeyContext[] = "coven/restore/v1/recovery-secret";

constexpr std::uint64_t kPayloadVersion = 1;

void WriteLocation(const LibraryLocation& l, codes::TlvWriter& w) {
  Bytes id;
  HexDecode(l.library_id, &id);
  w.AddUint(kVersion, kPayloadVersion)
      .Add(kLibraryId, id)
      .Add(kGenesis, l.genesis)
      .AddString(kProvider, l.provider)
      .AddString(kContainer, l.container);
  if (!l.account.empty()) w.AddString(kAccount, l.account);
  for (const std::string& t : l.tables) w.AddString(kTable, t);
  if (!l.history_before_join) w.AddUint(kNoHistory, 1);
}

std::string Text(ByteView v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size());
}

Result<LibraryLocation> ReadLocation(
    const std::vector<codes::TlvRecord>& records, std::string_view what) {
  auto missing = [&](const char* field) {
    return InvalidArgumentError(std::string("the ") + std::string(what) +
                                " code has no " + field +
                                "; copy the whole code again");
  };
  LibraryLocation l;
  const codes::TlvRecord* version = codes::FindTlv(records, kVersion);
  if (version == nullptr) return missing("version");
  COVEN_ASSIGN_OR_RETURN(std::uint64_t v, codes::TlvUint(version->value));
  if (v != kPayloadVersion) {
    return InvalidArgumentError("the " + std::string(what) +
                                " code has version " + std::to_string(v) +
                                "; this coven reads version 1 (upgrade it)");
  }
  const codes::TlvRecord* id = codes::FindTlv(records, kLibraryId);
  if (id == nullptr || id->value.size() != 16) return missing("library id");
  l.library_id = HexEncode(id->value);
  const codes::TlvRecord* genesis = codes::FindTlv(records, kGenesis);
  if (genesis == nullptr || genesis->value.size() != 32) {
    return missing("genesis hash");
  }
  std::memcpy(l.genesis.data(), genesis->value.data(), 32);
  const codes::TlvRecord* provider = codes::FindTlv(records, kProvider);
  const codes::TlvRecord* container = codes::FindTlv(records, kContainer);
  if (provider == nullptr || container == nullptr) return missing("home");
  l.provider = Text(provider->value);
  l.container = Text(container->value);
  if (const auto* account = codes::FindTlv(records, kAccount)) {
    l.account = Text(account->value);
  }
  for (const codes::TlvRecord& r : records) {
    if (r.tag == kTable) l.tables.push_back(Text(r.value));
  }
  if (const auto* no_history = codes::FindTlv(records, kNoHistory)) {
    COVEN_ASSIGN_OR_RETURN(std::uint64_t flag,
                           codes::TlvUint(no_history->value));
    l.history_before_join = flag == 0;
  }
  return l;
}

// The AEAD key for the seed and the additional data binding it to the
// library: key = BLAKE2b-256(key = secret, "coven/restore/v1/recovery-secret"
// || library id || genesis); AAD = library id || genesis.
struct SecretSeal {
  std::array<std::uint8_t, 32> key{};
  Bytes aad;
  ~SecretSeal() { sodium_memzero(key.data(), key.size()); }
};

void DeriveSecretSeal(ByteView secret, const LibraryLocation& l,
                      SecretSeal* seal) {
  HexDecode(l.library_id, &seal->aad);
  seal->aad.insert(seal->aad.end(), l.genesis.begin(), l.genesis.end());
  Bytes message(kSecretKeyContext,
                kSecretKeyContext + sizeof(kSecretKeyContext) - 1);
  message.insert(message.end(), seal->aad.begin(), seal->aad.end());
  crypto_generichash(seal->key.data(), seal->key.size(), message.data(),
                     message.size(), secret.data(), secret.size());
}

codes::TlvRules Rules() {
  codes::TlvRules rules;
  rules.duplicates = codes::TlvDuplicates::kKeepAll;  // kTable repeats
  rules.unknown = codes::TlvUnknown::kSkip;           // newer optional fields
  return rules;
}

}  // namespace

std::string EncodeInviteCode(const LibraryLocation& location) {
  codes::TlvWriter w;
  WriteLocation(location, w);
  return codes::EncodeCode(codes::CodeKind::kInvite, w.Finish());
}

Result<LibraryLocation> DecodeInviteCode(std::string_view text) {
  COVEN_ASSIGN_OR_RETURN(Bytes payload,
                         codes::DecodeCode(codes::CodeKind::kInvite, text));
  COVEN_ASSIGN_OR_RETURN(auto records, codes::ReadTlv(payload, Rules()));
  return ReadLocation(records, "invite");
}

keys::PassphraseCost RestoreCodeCost() {
  return keys::CostOrTestFast(keys::PassphraseCost::Moderate());
}

Result<RestoreCodeText> EncodeRestoreCode(
    const LibraryLocation& location, const std::array<std::uint8_t, 32>& seed,
    const std::string& passphrase, Entropy& entropy) {
  COVEN_RETURN_IF_ERROR(crypto::EnsureSodium());
  RestoreCodeText out;
  codes::TlvWriter w;
  WriteLocation(location, w);
  if (passphrase.empty()) {
    std::array<std::uint8_t, kRecoverySecretBytes> secret{};
    entropy.Fill(std::span(secret.data(), secret.size()));
    SecretSeal seal;
    DeriveSecretSeal(secret, location, &seal);
    Bytes sealed(kNonceBytes + seed.size() + kTagBytes);
    entropy.Fill(std::span(sealed.data(), kNonceBytes));
    unsigned long long written = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(
        sealed.data() + kNonceBytes, &written, seed.data(), seed.size(),
        seal.aad.data(), seal.aad.size(), nullptr, sealed.data(),
        seal.key.data());
    w.Add(kSecretSeed, sealed);
    out.recovery_secret =
        codes::EncodeCode(codes::CodeKind::kRecoverySecret, secret);
    sodium_memzero(secret.data(), secret.size());
  } else {
    COVEN_RETURN_IF_ERROR(keys::CheckPassphraseStrength(passphrase));
    COVEN_ASSIGN_OR_RETURN(
        Bytes sealed,
        keys::SealWithPassphrase(seed, passphrase, RestoreCodeCost(), entropy));
    w.Add(kSealedSeed, sealed);
  }
  Bytes payload = w.Finish();
  out.code = codes::EncodeCode(codes::CodeKind::kRestore, payload);
  sodium_memzero(payload.data(), payload.size());
  return out;
}

Result<RestoreSecretKind> RestoreCodeSecretKind(const std::string& code) {
  COVEN_ASSIGN_OR_RETURN(Bytes payload,
                         codes::DecodeCode(codes::CodeKind::kRestore, code));
  COVEN_ASSIGN_OR_RETURN(auto records, codes::ReadTlv(payload, Rules()));
  RestoreSecretKind kind = RestoreSecretKind::kNone;
  if (codes::FindTlv(records, kSecretSeed) != nullptr) {
    kind = RestoreSecretKind::kRecoverySecret;
  } else if (codes::FindTlv(records, kSealedSeed) != nullptr) {
    kind = RestoreSecretKind::kPassphrase;
  }
  sodium_memzero(payload.data(), payload.size());
  return kind;
}

Result<RestoreContents> DecodeRestoreCode(std::string_view text,
                                          const std::string& secret) {
  COVEN_ASSIGN_OR_RETURN(Bytes payload,
                         codes::DecodeCode(codes::CodeKind::kRestore, text));
  COVEN_ASSIGN_OR_RETURN(auto records, codes::ReadTlv(payload, Rules()));
  RestoreContents out;
  COVEN_ASSIGN_OR_RETURN(out.location, ReadLocation(records, "restore"));
  Bytes seed;
  if (const auto* clear = codes::FindTlv(records, kSeed)) {
    seed.assign(clear->value.begin(), clear->value.end());
  } else if (const auto* sealed = codes::FindTlv(records, kSecretSeed)) {
    if (secret.empty()) {
      return FailedPreconditionError(
          "this restore code is opened by its recovery secret (CVK1-...), "
          "printed once beside it by `restore-code`; give that secret too");
    }
    if (sealed->value.size() != kNonceBytes + 32 + kTagBytes) {
      return InvalidArgumentError("the restore code's member key is damaged");
    }
    Result<Bytes> key =
        codes::DecodeCode(codes::CodeKind::kRecoverySecret, secret);
    if (!key.ok()) {
      return key.status().Annotate("the recovery secret is not valid");
    }
    if (key->size() != kRecoverySecretBytes) {
      return InvalidArgumentError(
          "the recovery secret has the wrong length; copy it again");
    }
    SecretSeal seal;
    DeriveSecretSeal(*key, out.location, &seal);
    sodium_memzero(key->data(), key->size());
    seed.resize(32);
    unsigned long long written = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(
            seed.data(), &written, nullptr, sealed->value.data() + kNonceBytes,
            sealed->value.size() - kNonceBytes, seal.aad.data(),
            seal.aad.size(), sealed->value.data(), seal.key.data()) != 0) {
      return PermissionDeniedError(
          "this recovery secret does not open this restore code (it belongs "
          "to another code, or the code was modified); use the secret printed "
          "with this code");
    }
  } else if (const auto* sealed = codes::FindTlv(records, kSealedSeed)) {
    if (secret.empty()) {
      return FailedPreconditionError(
          "this restore code is protected by a passphrase; give it at the "
          "prompt, with --passphrase-fd N or in COVEN_RESTORE_PASSPHRASE");
    }
    COVEN_ASSIGN_OR_RETURN(seed,
                           keys::OpenWithPassphrase(sealed->value, secret));
  } else {
    return InvalidArgumentError(
        "the restore code holds no member key; copy the whole code again");
  }
  if (seed.size() != 32) {
    return InvalidArgumentError("the restore code's member key is damaged");
  }
  std::memcpy(out.seed.data(), seed.data(), 32);
  sodium_memzero(seed.data(), seed.size());
  sodium_memzero(payload.data(), payload.size());
  return out;
}

}  // namespace coven::library
