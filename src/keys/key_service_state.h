// Shared state of KeyService copies (private to src/keys).
#ifndef COVEN_KEYS_KEY_SERVICE_STATE_H_
#define COVEN_KEYS_KEY_SERVICE_STATE_H_

#include <array>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "coven/keys.h"

namespace coven::keys {

struct KeyService::State {
  bool dev_mode;
  std::string library_id;
  std::string key_dir;
  EntropyRef entropy;
  std::mutex mutex;
  std::optional<EncryptionKey> library_key;
  std::optional<DeviceKey> device_key;
  std::optional<std::array<std::uint8_t, 32>> member_seed;
  std::map<std::string, EncryptionKey> received_keys;  // by key id hex
};

/// Loads the 32-byte secret at `path`, creating it from `entropy` when absent.
Result<std::array<std::uint8_t, 32>> LoadOrCreate(const std::string& path,
                                                  Entropy& entropy);

}  // namespace coven::keys

#endif  // COVEN_KEYS_KEY_SERVICE_STATE_H_
