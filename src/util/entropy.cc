#include "coven/entropy.h"

#include <sodium.h>

#include <array>
#include <cstring>

namespace coven {

std::uint64_t Entropy::Uniform(std::uint64_t bound) {
  if (bound <= 1) return 0;
  // Rejection sampling removes modulo bias.
  const std::uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
  while (true) {
    std::uint64_t value;
    Fill(std::span<std::uint8_t>(reinterpret_cast<std::uint8_t*>(&value),
                                 sizeof(value)));
    if (value < limit) return value % bound;
  }
}

void SystemEntropy::Fill(std::span<std::uint8_t> out) {
  if (!out.empty()) randombytes_buf(out.data(), out.size());
}

SeededEntropy::SeededEntropy(std::uint64_t seed) : seed_(seed) {}

void SeededEntropy::Fill(std::span<std::uint8_t> out) {
  std::lock_guard<std::mutex> lock(mutex_);
  // Each call draws from a fresh deterministic stream keyed by (seed, call).
  std::array<unsigned char, randombytes_SEEDBYTES> key{};
  std::memcpy(key.data(), &seed_, sizeof(seed_));
  std::memcpy(key.data() + sizeof(seed_), &counter_, sizeof(counter_));
  ++counter_;
  if (out.empty()) return;  // an empty span may have a null data()
  randombytes_buf_deterministic(out.data(), out.size(), key.data());
}

}  // namespace coven
