// The file and passphrase-file SecretStores: one container file per name
// (keys/secret_file.h), plain or sealed with keys/passphrase_box.h.
#include <sodium.h>

#include <optional>
#include <string>

#include "coven/secret_store.h"
#include "keys/passphrase_box.h"
#include "keys/secret_file.h"
#include "keys/secret_value.h"

namespace coven::keys {

namespace {

struct Sealing {
  std::string passphrase;
  PassphraseCost cost;
  EntropyRef entropy;
};

class FileSecretStore final : public SecretStore {
 public:
  FileSecretStore(std::string dir, std::optional<Sealing> sealing)
      : dir_(std::move(dir)), sealing_(std::move(sealing)) {
    while (dir_.size() > 1 && dir_.back() == '/') dir_.pop_back();
  }

  ~FileSecretStore() override {
    if (sealing_.has_value()) {
      sodium_memzero(sealing_->passphrase.data(), sealing_->passphrase.size());
    }
  }

  Status Put(std::string_view name, ByteView secret) override {
    COVEN_RETURN_IF_ERROR(ValidateSecretName(name));
    COVEN_RETURN_IF_ERROR(ValidateSecretValue(secret));
    COVEN_RETURN_IF_ERROR(EnsureSecretDir(dir_));
    const std::string path = PathOf(name);
    for (int attempt = 0; attempt < 2; ++attempt) {
      COVEN_ASSIGN_OR_RETURN(std::optional<Bytes> existing,
                             ReadSecretFile(path));
      if (existing.has_value()) {
        COVEN_ASSIGN_OR_RETURN(Bytes stored, Unwrap(*existing, path));
        const bool same = SameSecret(stored, secret);
        sodium_memzero(stored.data(), stored.size());
        if (same) return Status::Ok();
        return AlreadyExistsError("a different secret named '" +
                                  std::string(name) +
                                  "' is already stored in " + path +
                                  "; Remove it first if it should be "
                                  "replaced");
      }
      COVEN_ASSIGN_OR_RETURN(Bytes file, Wrap(secret));
      Status created = CreateSecretFile(path, file);
      sodium_memzero(file.data(), file.size());
      // Lost a race with another creator: compare with what it stored.
      if (created.code() != StatusCode::kAlreadyExists) return created;
    }
    return AbortedError("secret file " + path +
                        " keeps appearing and disappearing; retry");
  }

  Result<Bytes> Get(std::string_view name) override {
    COVEN_RETURN_IF_ERROR(ValidateSecretName(name));
    COVEN_RETURN_IF_ERROR(CheckSecretDir(dir_));
    const std::string path = PathOf(name);
    COVEN_ASSIGN_OR_RETURN(std::optional<Bytes> existing, ReadSecretFile(path));
    if (!existing.has_value()) {
      return NotFoundError("no secret named '" + std::string(name) + "' in " +
                           dir_);
    }
    return Unwrap(*existing, path);
  }

  Status Remove(std::string_view name) override {
    COVEN_RETURN_IF_ERROR(ValidateSecretName(name));
    return RemoveSecretFile(PathOf(name));
  }

  std::string Describe() const override {
    if (!sealing_.has_value()) return "file secret store in " + dir_;
    return "passphrase-sealed file secret store in " + dir_ +
           " (Argon2id, opslimit " + std::to_string(sealing_->cost.opslimit) +
           ", memlimit " + std::to_string(sealing_->cost.memlimit >> 10) +
           " KiB)";
  }

 private:
  std::string PathOf(std::string_view name) const {
    return dir_ + "/" + std::string(name);
  }

  Result<Bytes> Wrap(ByteView secret) {
    if (!sealing_.has_value()) {
      return EncodeSecretFile(SecretSealing::kPlain, secret);
    }
    if (sealing_->entropy == nullptr) {
      return InvalidArgumentError(
          "the passphrase secret store was made without an entropy source");
    }
    COVEN_ASSIGN_OR_RETURN(
        Bytes sealed, SealWithPassphrase(secret, sealing_->passphrase,
                                         sealing_->cost, *sealing_->entropy));
    return EncodeSecretFile(SecretSealing::kPassphrase, sealed);
  }

  Result<Bytes> Unwrap(ByteView file, const std::string& path) {
    COVEN_ASSIGN_OR_RETURN(SecretFileContent content,
                           DecodeSecretFile(file, path));
    const bool sealed = content.sealing == SecretSealing::kPassphrase;
    if (sealed != sealing_.has_value()) {
      sodium_memzero(content.content.data(), content.content.size());
      return FailedPreconditionError(
          "secret file " + path +
          (sealed ? " is sealed with a passphrase; open it with the "
                    "passphrase store"
                  : " is not sealed with a passphrase; open it with the "
                    "plain file store"));
    }
    if (!sealed) return std::move(content.content);
    Result<Bytes> opened =
        OpenWithPassphrase(content.content, sealing_->passphrase);
    if (!opened.ok()) return opened.status().Annotate("secret file " + path);
    return opened;
  }

  std::string dir_;
  std::optional<Sealing> sealing_;
};

}  // namespace

std::shared_ptr<SecretStore> MakeFileSecretStore(std::string dir) {
  return std::make_shared<FileSecretStore>(std::move(dir), std::nullopt);
}

std::shared_ptr<SecretStore> MakePassphraseFileSecretStore(
    std::string dir, std::string passphrase, PassphraseCost cost,
    EntropyRef entropy) {
  Sealing sealing{std::move(passphrase), cost, std::move(entropy)};
  return std::make_shared<FileSecretStore>(std::move(dir), std::move(sealing));
}

}  // namespace coven::keys
