// The library key in use for sealing and opening objects
// (mirrors coven::encryption::EncryptionService).
#ifndef COVEN_ENCRYPTION_H_
#define COVEN_ENCRYPTION_H_

#include <array>
#include <cstdint>
#include <string>

#include "coven/keys.h"

namespace coven::encryption {

/// Holds the library key and its id. Value type; thread-safe to read.
class EncryptionService {
 public:
  explicit EncryptionService(const keys::EncryptionKey& key);
  const keys::EncryptionKey& key() const { return key_; }
  /// Lowercase hex of the 16-byte key id (safe to show).
  std::string key_id_hex() const;

 private:
  keys::EncryptionKey key_;
};

}  // namespace coven::encryption

#endif  // COVEN_ENCRYPTION_H_
