// Entropy: where coven gets random bytes for ids, keys and jitter.
//
// Production uses SystemEntropy (libsodium's randombytes_buf, a CSPRNG).
// Tests inject SeededEntropy so that a run is reproducible from its seed;
// SeededEntropy is NOT secure and must never protect real data.
//
// Thread safety: SystemEntropy is thread-safe; SeededEntropy is guarded by an
// internal mutex, so it is safe too, but its output order then depends on
// thread scheduling.
#ifndef COVEN_ENTROPY_H_
#define COVEN_ENTROPY_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <span>

namespace coven {

/// A source of random bytes.
class Entropy {
 public:
  virtual ~Entropy() = default;
  /// Fills `out` with random bytes.
  virtual void Fill(std::span<std::uint8_t> out) = 0;
  /// A uniformly distributed value in [0, bound). `bound` must be > 0.
  std::uint64_t Uniform(std::uint64_t bound);
};

/// libsodium's CSPRNG. Call only after sodium_init() (coven does this).
class SystemEntropy final : public Entropy {
 public:
  void Fill(std::span<std::uint8_t> out) override;
};

/// Deterministic stream derived from a 64-bit seed (ChaCha20 keystream via
/// randombytes_buf_deterministic). For tests only.
class SeededEntropy final : public Entropy {
 public:
  explicit SeededEntropy(std::uint64_t seed);
  void Fill(std::span<std::uint8_t> out) override;

 private:
  std::mutex mutex_;
  std::uint64_t seed_;
  std::uint64_t counter_ = 0;
};

using EntropyRef = std::shared_ptr<Entropy>;

}  // namespace coven

#endif  // COVEN_ENTROPY_H_
