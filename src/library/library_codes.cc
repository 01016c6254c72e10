#include "library/library_codes.h"

#include <sodium.h>

#include <cstdlib>
#include <cstring>

#include "codes/code.h"
#include "codes/tlv.h"
#include "coven/passphrase_cost.h"
#include "keys/passphrase_box.h"

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
  kSeed = 8,        // restore: the member seed in clear
  kSealedSeed = 9,  // restore: the member seed sealed with a passphrase
};

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
  return l;
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

Result<std::string> EncodeRestoreCode(const LibraryLocation& location,
                                      const std::array<std::uint8_t, 32>& seed,
                                      const std::string& passphrase,
                                      Entropy& entropy) {
  codes::TlvWriter w;
  WriteLocation(location, w);
  if (passphrase.empty()) {
    w.Add(kSeed, seed);
  } else {
    // COVEN_TEST_FAST_KDF: tests only; never set it for real codes.
    const keys::PassphraseCost cost = std::getenv("COVEN_TEST_FAST_KDF")
                                          ? keys::PassphraseCost::ForTests()
                                          : keys::PassphraseCost::Interactive();
    COVEN_ASSIGN_OR_RETURN(Bytes sealed, keys::SealWithPassphrase(
                                             seed, passphrase, cost, entropy));
    w.Add(kSealedSeed, sealed);
  }
  Bytes payload = w.Finish();
  std::string code = codes::EncodeCode(codes::CodeKind::kRestore, payload);
  sodium_memzero(payload.data(), payload.size());
  return code;
}

Result<RestoreContents> DecodeRestoreCode(std::string_view text,
                                          const std::string& passphrase) {
  COVEN_ASSIGN_OR_RETURN(Bytes payload,
                         codes::DecodeCode(codes::CodeKind::kRestore, text));
  COVEN_ASSIGN_OR_RETURN(auto records, codes::ReadTlv(payload, Rules()));
  RestoreContents out;
  COVEN_ASSIGN_OR_RETURN(out.location, ReadLocation(records, "restore"));
  Bytes seed;
  if (const auto* clear = codes::FindTlv(records, kSeed)) {
    seed.assign(clear->value.begin(), clear->value.end());
  } else if (const auto* sealed = codes::FindTlv(records, kSealedSeed)) {
    if (passphrase.empty()) {
      return FailedPreconditionError(
          "this restore code is protected by a passphrase; pass it with "
          "--passphrase");
    }
    COVEN_ASSIGN_OR_RETURN(seed,
                           keys::OpenWithPassphrase(sealed->value, passphrase));
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
