#include "library/key_custody_config.h"

#include <sys/stat.h>

#include <array>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "coven/bytes.h"
#include "keys/passphrase_box.h"
#include "library/durable_file.h"

namespace coven::library {

namespace {

using Kind = keys::KeyCustody::Kind;

std::string KeyDirOf(const std::string& dir) { return dir + "/keys"; }
std::string MarkerPath(const std::string& dir) {
  return KeyDirOf(dir) + "/custody";
}

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value ? std::string(value) : std::string();
}

// COVEN_KEY_CUSTODY; nullopt when unset or empty.
Result<std::optional<Kind>> ExplicitKindFromEnv() {
  const std::string name = Env("COVEN_KEY_CUSTODY");
  if (name.empty()) return std::optional<Kind>();
  if (name == "files") return std::optional<Kind>(Kind::kFiles);
  if (name == "passphrase") return std::optional<Kind>(Kind::kPassphraseFile);
  if (name == "keyring") return std::optional<Kind>(Kind::kKeyring);
  return InvalidArgumentError("COVEN_KEY_CUSTODY=" + name +
                              " is not a key custody: use files, passphrase "
                              "or keyring");
}

Status CheckEnvAgrees(Kind recorded, const std::string& where) {
  COVEN_ASSIGN_OR_RETURN(std::optional<Kind> wanted, ExplicitKindFromEnv());
  if (!wanted || *wanted == recorded) return Status::Ok();
  const std::string name(keys::KeyCustodyName(recorded));
  return FailedPreconditionError(
      "this library's keys are kept in " + name + " custody (recorded in " +
      where +
      "), but COVEN_KEY_CUSTODY=" + std::string(keys::KeyCustodyName(*wanted)) +
      "; unset COVEN_KEY_CUSTODY or set it to " + name);
}

Result<std::optional<CustodyChoice>> ReadMarker(const std::string& dir) {
  const std::string path = MarkerPath(dir);
  std::ifstream in(path);
  if (!in) return std::optional<CustodyChoice>();
  nlohmann::json j =
      nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object() || !j.contains("key_custody") ||
      !j["key_custody"].is_string()) {
    return DataLossError(path +
                         " is damaged; it should be JSON like "
                         "{\"key_custody\": \"files\"}: fix it");
  }
  Result<CustodyChoice> choice =
      CustodyFromSettings(j["key_custody"].get<std::string>(),
                          j.value("keyring_scope", std::string()));
  if (!choice.ok()) return choice.status().Annotate(path);
  return std::optional<CustodyChoice>(*choice);
}

}  // namespace

Result<CustodyChoice> CustodyFromSettings(const std::string& key_custody,
                                          const std::string& keyring_scope) {
  COVEN_ASSIGN_OR_RETURN(Kind kind, keys::ParseKeyCustodyKind(key_custody));
  if (kind == Kind::kMemory) {
    return InvalidArgumentError(
        "key_custody \"memory\" cannot be recorded in a library directory; "
        "use files, passphrase or keyring");
  }
  return CustodyChoice{kind, kind == Kind::kKeyring ? keyring_scope : ""};
}

Result<CustodyChoice> ChooseNewCustody(const std::string& dir,
                                       bool fresh_keyring_scope,
                                       Entropy& entropy, bool* from_marker) {
  COVEN_ASSIGN_OR_RETURN(std::optional<CustodyChoice> marker, ReadMarker(dir));
  *from_marker = marker.has_value();
  if (marker) {
    COVEN_RETURN_IF_ERROR(CheckEnvAgrees(marker->kind, MarkerPath(dir)));
    return *marker;
  }
  std::error_code ec;
  if (std::filesystem::exists(KeyDirOf(dir) + "/member.key", ec)) {
    // Set up by a coven that predates custody markers: plain key files.
    *from_marker = true;
    COVEN_RETURN_IF_ERROR(
        CheckEnvAgrees(Kind::kFiles, KeyDirOf(dir) + " (plain key files)"));
    return CustodyChoice{};
  }
  COVEN_ASSIGN_OR_RETURN(std::optional<Kind> wanted, ExplicitKindFromEnv());
  CustodyChoice choice;
  if (wanted) {
    choice.kind = *wanted;
  } else if (!Env("COVEN_KEY_PASSPHRASE").empty()) {
    choice.kind = Kind::kPassphraseFile;
  }
  if (choice.kind == Kind::kKeyring && fresh_keyring_scope) {
    std::array<std::uint8_t, 16> scope{};
    entropy.Fill(scope);
    choice.keyring_scope = HexEncode(scope);
  }
  return choice;
}

Status WriteCustodyMarker(const std::string& dir, const CustodyChoice& choice) {
  const std::string keys = KeyDirOf(dir);
  std::error_code ec;
  if (std::filesystem::create_directories(keys, ec)) chmod(keys.c_str(), 0700);
  if (ec) {
    return PermissionDeniedError("cannot create " + keys + ": " + ec.message());
  }
  nlohmann::json j = {
      {"key_custody", std::string(keys::KeyCustodyName(choice.kind))}};
  if (!choice.keyring_scope.empty()) j["keyring_scope"] = choice.keyring_scope;
  const std::string text = j.dump() + "\n";
  const std::string path = MarkerPath(dir);
  return WriteFileDurably(path, text, 0600);
}

Result<keys::KeyService> OpenKeyService(const std::string& dir,
                                        const CustodyChoice& choice,
                                        const std::string& library_id) {
  COVEN_RETURN_IF_ERROR(CheckEnvAgrees(choice.kind, dir + "/library.json"));
  keys::KeyCustody custody;
  custody.kind = choice.kind;
  custody.keyring_scope = choice.keyring_scope;
  if (choice.kind == Kind::kPassphraseFile) {
    custody.passphrase = Env("COVEN_KEY_PASSPHRASE");
    if (custody.passphrase.empty()) {
      return FailedPreconditionError(
          "this library's keys are protected by a passphrase: set "
          "COVEN_KEY_PASSPHRASE");
    }
    custody.cost = keys::CostOrTestFast(keys::PassphraseCost::Interactive());
  }
  Result<keys::KeyService> service = keys::KeyService::WithCustody(
      std::move(custody), library_id, KeyDirOf(dir));
  if (service.status().code() == StatusCode::kUnavailable) {
    return service.status().Annotate(
        "the keys of " + dir +
        " are kept in the OS keyring, which is not reachable: start a "
        "Secret Service (GNOME Keyring, KWallet) in this session, or for a "
        "new library choose COVEN_KEY_CUSTODY=files or passphrase");
  }
  return service;
}

Status ExplainKeyError(const Status& status, const CustodyChoice& choice) {
  if (choice.kind != Kind::kPassphraseFile ||
      status.code() != StatusCode::kPermissionDenied ||
      status.message().find("wrong passphrase") == std::string::npos) {
    return status;
  }
  return status.Annotate(
      "COVEN_KEY_PASSPHRASE does not unlock this library's keys");
}

}  // namespace coven::library
