// KeyService::State storage: each secret either in a legacy 0600 hex key
// file under key_dir (kFiles) or in a SecretStore (kPassphraseFile,
// kKeyring).
#include <sodium.h>

#include <cstring>
#include <filesystem>

#include "crypto/crypto.h"
#include "keys/key_file.h"
#include "keys/key_service_state.h"

namespace coven::keys {

namespace {

// kFiles: received keys are files "library-key-<key id hex>.key".
constexpr std::string_view kReceivedFilePrefix = "library-key-";
// Store custody: received keys are create-once slots "received-key-<n>".
constexpr std::string_view kReceivedSlotPrefix = "received-key-";

std::string SlotName(std::size_t slot) {
  return std::string(kReceivedSlotPrefix) + std::to_string(slot);
}

}  // namespace

std::string KeyIdHex(const EncryptionKey& key) {
  return HexEncode(crypto::LibraryKey(key.bytes).id());
}

std::string KeyService::State::FoundingKeyName() const {
  return "library-" + library_id + ".key";
}

Result<std::optional<Secret32>> KeyService::State::Read(
    const std::string& name) {
  if (store == nullptr) {
    COVEN_ASSIGN_OR_RETURN(std::optional<Bytes> bytes,
                           ReadKeyFile(key_dir + "/" + name, 32));
    if (!bytes) return std::optional<Secret32>();
    Secret32 out{};
    std::memcpy(out.data(), bytes->data(), 32);
    sodium_memzero(bytes->data(), bytes->size());
    return std::optional<Secret32>(out);
  }
  Result<Bytes> got = store->Get(name);
  if (got.status().code() == StatusCode::kNotFound) {
    return std::optional<Secret32>();
  }
  if (!got.ok()) {
    return got.status().Annotate("reading key '" + name + "' from " +
                                 store->Describe());
  }
  Bytes bytes = std::move(got).value();
  if (bytes.size() != 32) {
    const std::size_t size = bytes.size();
    sodium_memzero(bytes.data(), bytes.size());
    return DataLossError("key '" + name + "' in " + store->Describe() +
                         " has " + std::to_string(size) +
                         " bytes instead of 32; restore it from a backup");
  }
  Secret32 out{};
  std::memcpy(out.data(), bytes.data(), 32);
  sodium_memzero(bytes.data(), bytes.size());
  return std::optional<Secret32>(out);
}

Status KeyService::State::Create(const std::string& name,
                                 const Secret32& secret) {
  if (store != nullptr) {
    Status put = store->Put(name, secret);
    if (put.ok() || put.code() == StatusCode::kAlreadyExists) return put;
    return put.Annotate("storing key '" + name + "' in " + store->Describe());
  }
  const std::string path = key_dir + "/" + name;
  Status created = CreateKeyFile(path, secret);
  if (created.code() != StatusCode::kAlreadyExists) return created;
  COVEN_ASSIGN_OR_RETURN(std::optional<Secret32> existing, Read(name));
  if (existing && *existing == secret) return Status::Ok();
  return AlreadyExistsError("a different key is already stored in " + path);
}

Status KeyService::State::Remove(const std::string& name) {
  if (store != nullptr) {
    return store->Remove(name).Annotate("deleting key '" + name + "' from " +
                                        store->Describe());
  }
  const std::string path = key_dir + "/" + name;
  std::error_code ec;
  std::filesystem::remove(path, ec);
  if (ec) {
    return PermissionDeniedError("cannot delete " + path + ": " + ec.message());
  }
  return Status::Ok();
}

Result<Secret32> KeyService::State::LoadOrCreate(const std::string& name) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    COVEN_ASSIGN_OR_RETURN(std::optional<Secret32> existing, Read(name));
    if (existing) return *existing;
    Secret32 fresh{};
    entropy->Fill(fresh);
    Status created = Create(name, fresh);
    if (created.ok()) return fresh;
    if (created.code() != StatusCode::kAlreadyExists) return created;
    // Lost a race with another process: read the winner's key.
  }
  return InternalError("key '" + name + "' in " +
                       (store ? store->Describe() : key_dir) +
                       " keeps changing; retry");
}

Status KeyService::State::LoadReceivedKeys() {
  if (store != nullptr) {
    while (true) {
      COVEN_ASSIGN_OR_RETURN(std::optional<Secret32> slot,
                             Read(SlotName(received_slots)));
      if (!slot) return Status::Ok();
      EncryptionKey key{*slot};
      received_keys[KeyIdHex(key)] = key;
      ++received_slots;
    }
  }
  std::error_code ec;
  for (const auto& file : std::filesystem::directory_iterator(key_dir, ec)) {
    const std::string name = file.path().filename().string();
    if (name.rfind(kReceivedFilePrefix, 0) != 0 || name.size() < 4 ||
        name.substr(name.size() - 4) != ".key") {
      continue;
    }
    COVEN_ASSIGN_OR_RETURN(std::optional<Secret32> bytes, Read(name));
    if (!bytes) continue;
    EncryptionKey key{*bytes};
    received_keys[KeyIdHex(key)] = key;
  }
  return Status::Ok();
}

Status KeyService::State::StoreReceivedKey(const EncryptionKey& key) {
  const std::string id = KeyIdHex(key);
  if (store == nullptr) {
    Status created = CreateKeyFile(
        key_dir + "/" + std::string(kReceivedFilePrefix) + id + ".key",
        key.bytes);
    if (!created.ok() && created.code() != StatusCode::kAlreadyExists) {
      return created;
    }
    received_keys[id] = key;
    return Status::Ok();
  }
  // Slots are create-once, so a crash or a concurrent writer never loses a
  // key: whoever loses the race for slot n reads it and tries slot n + 1.
  COVEN_RETURN_IF_ERROR(LoadReceivedKeys());
  while (!received_keys.count(id)) {
    Status put = Create(SlotName(received_slots), key.bytes);
    if (!put.ok() && put.code() != StatusCode::kAlreadyExists) return put;
    COVEN_RETURN_IF_ERROR(LoadReceivedKeys());
  }
  return Status::Ok();
}

}  // namespace coven::keys
