// KeyService::WithCustody: the passphrase-file, keyring and memory custody
// kinds, routed through SecretStores (coven/secret_store.h).
#include <utility>

#include "coven/keys.h"
#include "coven/secret_store.h"
#include "keys/key_service_state.h"
#include "keys/passphrase_box.h"

namespace coven::keys {

std::string_view KeyCustodyName(KeyCustody::Kind kind) {
  switch (kind) {
    case KeyCustody::Kind::kFiles:
      return "files";
    case KeyCustody::Kind::kPassphraseFile:
      return "passphrase";
    case KeyCustody::Kind::kKeyring:
      return "keyring";
    case KeyCustody::Kind::kMemory:
      return "memory";
  }
  return "unknown";
}

Result<KeyCustody::Kind> ParseKeyCustodyKind(std::string_view name) {
  for (KeyCustody::Kind kind :
       {KeyCustody::Kind::kFiles, KeyCustody::Kind::kPassphraseFile,
        KeyCustody::Kind::kKeyring, KeyCustody::Kind::kMemory}) {
    if (name == KeyCustodyName(kind)) return kind;
  }
  return InvalidArgumentError("unknown key custody '" + std::string(name) +
                              "': use files, passphrase, keyring or memory");
}

Result<KeyService> KeyService::WithCustody(KeyCustody custody,
                                           std::string library_id,
                                           std::string key_dir,
                                           EntropyRef entropy) {
  const bool memory = custody.kind == KeyCustody::Kind::kMemory;
  if (!memory && custody.kind != KeyCustody::Kind::kKeyring &&
      key_dir.empty()) {
    return InvalidArgumentError(std::string(KeyCustodyName(custody.kind)) +
                                " key custody needs a key directory");
  }
  KeyService service(memory, std::move(library_id), std::move(key_dir),
                     std::move(entropy));
  State& state = *service.state_;
  state.custody = custody.kind;
  switch (custody.kind) {
    case KeyCustody::Kind::kFiles:
    case KeyCustody::Kind::kMemory:
      break;
    case KeyCustody::Kind::kPassphraseFile:
      if (custody.passphrase.empty()) {
        return InvalidArgumentError(
            "passphrase key custody needs a passphrase (KeyCustody::"
            "passphrase is empty)");
      }
      COVEN_RETURN_IF_ERROR(ValidatePassphraseCost(custody.cost)
                                .Annotate("passphrase key custody"));
      state.store = MakePassphraseFileSecretStore(state.key_dir,
                                                  std::move(custody.passphrase),
                                                  custody.cost, state.entropy);
      break;
    case KeyCustody::Kind::kKeyring: {
      std::string scope = custody.keyring_scope.empty()
                              ? state.library_id
                              : std::move(custody.keyring_scope);
      if (scope.empty()) {
        return InvalidArgumentError(
            "keyring key custody needs a library id or KeyCustody::"
            "keyring_scope to name its keyring items");
      }
      Result<std::shared_ptr<SecretStore>> store =
          MakeKeyringSecretStore(std::string(kKeyringService), scope);
      if (!store.ok()) {
        return store.status().Annotate("keyring key custody (scope " + scope +
                                       ")");
      }
      state.store = std::move(store).value();
      break;
    }
  }
  return service;
}

KeyCustody::Kind KeyService::custody() const { return state_->custody; }

std::string KeyService::describe_custody() const {
  switch (state_->custody) {
    case KeyCustody::Kind::kFiles:
      return "0600 key files in " + state_->key_dir;
    case KeyCustody::Kind::kMemory:
      return "in-memory keys (dev mode)";
    case KeyCustody::Kind::kPassphraseFile:
    case KeyCustody::Kind::kKeyring:
      return state_->store->Describe();
  }
  return "unknown key custody";
}

}  // namespace coven::keys
