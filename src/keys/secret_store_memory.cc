// The in-memory SecretStore (dev mode and tests).
#include <sodium.h>

#include <map>
#include <mutex>
#include <string>

#include "coven/secret_store.h"
#include "keys/secret_value.h"

namespace coven::keys {

namespace {

class MemorySecretStore final : public SecretStore {
 public:
  ~MemorySecretStore() override {
    for (auto& [name, secret] : secrets_) {
      sodium_memzero(secret.data(), secret.size());
    }
  }

  Status Put(std::string_view name, ByteView secret) override {
    COVEN_RETURN_IF_ERROR(ValidateSecretName(name));
    COVEN_RETURN_IF_ERROR(ValidateSecretValue(secret));
    std::lock_guard<std::mutex> lock(mutex_);
    auto [it, inserted] =
        secrets_.try_emplace(std::string(name), secret.begin(), secret.end());
    if (inserted || SameSecret(it->second, secret)) return Status::Ok();
    return AlreadyExistsError("a different secret named '" + std::string(name) +
                              "' is already stored in memory; Remove it "
                              "first if it should be replaced");
  }

  Result<Bytes> Get(std::string_view name) override {
    COVEN_RETURN_IF_ERROR(ValidateSecretName(name));
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = secrets_.find(std::string(name));
    if (it == secrets_.end()) {
      return NotFoundError("no secret named '" + std::string(name) +
                           "' in the in-memory store");
    }
    return it->second;
  }

  Status Remove(std::string_view name) override {
    COVEN_RETURN_IF_ERROR(ValidateSecretName(name));
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = secrets_.find(std::string(name));
    if (it == secrets_.end()) return Status::Ok();
    sodium_memzero(it->second.data(), it->second.size());
    secrets_.erase(it);
    return Status::Ok();
  }

  std::string Describe() const override {
    return "in-memory secret store (dev mode: secrets are lost when the "
           "process exits)";
  }

 private:
  std::mutex mutex_;
  std::map<std::string, Bytes> secrets_;
};

}  // namespace

std::shared_ptr<SecretStore> MakeMemorySecretStore() {
  return std::make_shared<MemorySecretStore>();
}

}  // namespace coven::keys
