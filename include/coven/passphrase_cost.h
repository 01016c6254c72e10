// PassphraseCost: how hard Argon2id works to turn a passphrase into a key.
//
// Higher costs slow down an attacker who guesses passphrases offline by the
// same factor they slow down every legitimate unlock. The cost is stored in
// each sealed blob, so blobs sealed with different costs coexist.
//
// Thread safety: a plain value.
#ifndef COVEN_PASSPHRASE_COST_H_
#define COVEN_PASSPHRASE_COST_H_

#include <cstddef>

namespace coven::keys {

struct PassphraseCost {
  /// Argon2id passes over memory (libsodium opslimit), 1..64.
  unsigned long long opslimit = 0;
  /// Argon2id memory in bytes (libsodium memlimit), 8 KiB..1 GiB.
  std::size_t memlimit = 0;

  /// libsodium's INTERACTIVE limits (2 passes, 64 MiB): about 0.1 s.
  static PassphraseCost Interactive();
  /// libsodium's MODERATE limits (3 passes, 256 MiB): about 0.7 s.
  static PassphraseCost Moderate();
  /// The minimums libsodium accepts (1 pass, 8 KiB). Tests only: offers no
  /// real protection against guessing.
  static PassphraseCost ForTests();

  friend bool operator==(const PassphraseCost&,
                         const PassphraseCost&) = default;
};

}  // namespace coven::keys

#endif  // COVEN_PASSPHRASE_COST_H_
