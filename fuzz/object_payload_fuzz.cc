// libFuzzer target: the post-decryption payload decoder (padding, declared
// length, zstd) with the cryptography stubbed out, since encrypted inputs
// hide this code from a fuzzer that goes through Open.
// Input: a plaintext as it would come out of the chunk decryption.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "fuzz_keys.h"
#include "object/payload.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  using namespace coven;
  const object::OpenLimits limits = fuzz::FuzzLimits();
  Result<Bytes> decoded =
      object::payload::Decode(ByteView(data, size), limits, "fuzz input");
  if (!decoded.ok()) return 0;
  if (decoded->size() > limits.max_payload_bytes) abort();
  // Whatever decodes must survive a re-encode round trip.
  Result<Bytes> encoded = object::payload::Encode(*decoded);
  if (!encoded.ok()) abort();
  Result<Bytes> again = object::payload::Decode(*encoded, limits, "re-encoded");
  if (!again.ok() || *again != *decoded) abort();
  return 0;
}
