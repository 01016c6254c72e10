// Secret bytes kept out of core dumps and swap, and wiped when done.
//
// SecretArray<N> holds N bytes in a std::array that is mlock()ed
// (sodium_mlock, best effort: a refused lock only loses the swap/core-dump
// protection) for its whole life and zeroed on destruction, on Wipe() and
// when moved from. Copies lock their own buffer. Locks are page-granular:
// destroying one secret unlocks the page it shares with another secret,
// which then stays zeroed-on-destruction but may be swapped (best effort).
//
// Thread safety: plain values.
#ifndef COVEN_CRYPTO_SECRET_H_
#define COVEN_CRYPTO_SECRET_H_

#include <sodium.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>

#include "coven/bytes.h"

namespace coven::crypto {

/// Zeroes `size` bytes at `data` (sodium_memzero; not optimized away).
inline void WipeMemory(void* data, std::size_t size) {
  if (size != 0) sodium_memzero(data, size);
}
/// Zeroes the characters of `text` (its whole capacity) and clears it.
inline void WipeString(std::string& text) {
  text.resize(text.capacity());
  WipeMemory(text.data(), text.size());
  text.clear();
}
/// Zeroes the bytes of `bytes` (its whole capacity) and clears it.
inline void WipeBytes(Bytes& bytes) {
  bytes.resize(bytes.capacity());
  WipeMemory(bytes.data(), bytes.size());
  bytes.clear();
}

/// Wipes a std::string or Bytes when it goes out of scope.
template <typename T>
class ScopedWipe {
 public:
  explicit ScopedWipe(T& value) : value_(value) {}
  ~ScopedWipe() {
    if constexpr (std::is_same_v<T, std::string>) {
      WipeString(value_);
    } else {
      WipeBytes(value_);
    }
  }
  ScopedWipe(const ScopedWipe&) = delete;
  ScopedWipe& operator=(const ScopedWipe&) = delete;

 private:
  T& value_;
};

/// N secret bytes, locked in memory and zeroed when done (see file comment).
template <std::size_t N>
class SecretArray {
 public:
  SecretArray() { Lock(); }
  explicit SecretArray(const std::array<std::uint8_t, N>& bytes)
      : bytes_(bytes) {
    Lock();
  }
  SecretArray(const SecretArray& other) : bytes_(other.bytes_) { Lock(); }
  SecretArray(SecretArray&& other) noexcept : bytes_(other.bytes_) {
    Lock();
    other.Wipe();
  }
  SecretArray& operator=(const SecretArray& other) {
    bytes_ = other.bytes_;  // Each buffer keeps its own lock.
    return *this;
  }
  SecretArray& operator=(SecretArray&& other) noexcept {
    if (this != &other) {
      bytes_ = other.bytes_;
      other.Wipe();
    }
    return *this;
  }
  SecretArray& operator=(const std::array<std::uint8_t, N>& bytes) {
    bytes_ = bytes;
    return *this;
  }
  ~SecretArray() {
    // sodium_munlock zeroes the buffer before unlocking it.
    if (locked_) {
      sodium_munlock(bytes_.data(), N);
    } else {
      WipeMemory(bytes_.data(), N);
    }
  }

  /// Zeroes the bytes (the buffer stays locked and usable).
  void Wipe() { WipeMemory(bytes_.data(), N); }

  const std::array<std::uint8_t, N>& get() const { return bytes_; }
  std::array<std::uint8_t, N>& get() { return bytes_; }
  std::uint8_t* data() { return bytes_.data(); }
  const std::uint8_t* data() const { return bytes_.data(); }
  static constexpr std::size_t size() { return N; }
  /// Whether mlock() accepted the buffer (false when RLIMIT_MEMLOCK is hit).
  bool locked() const { return locked_; }

 private:
  void Lock() {
    // sodium_mlock needs no sodium_init; it is a plain mlock() + madvise.
    locked_ = sodium_mlock(bytes_.data(), N) == 0;
  }

  std::array<std::uint8_t, N> bytes_{};
  bool locked_ = false;
};

}  // namespace coven::crypto

#endif  // COVEN_CRYPTO_SECRET_H_
