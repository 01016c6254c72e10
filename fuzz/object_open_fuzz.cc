// libFuzzer target: sealed-object parsing and opening (threats T1, T2, T13).
// Input: the raw bytes of one object, opened at fuzz::kObjectPath with the
// fixed fuzz key, so seeds from make_object_corpus reach the decrypt path.
// Any crash, sanitizer report or accepted-but-inconsistent object is a bug.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "fuzz_keys.h"
#include "object/sealed_object.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  using namespace coven;
  static const object::KeyLookup keys = fuzz::FuzzKeyLookup();
  const ByteView input(data, size);
  const object::OpenLimits limits = fuzz::FuzzLimits();

  Result<object::ObjectHeader> parsed = object::ParseHeader(input, limits);
  object::ObjectHeader opened_header;
  Result<Bytes> opened =
      object::Open(fuzz::kObjectPath, input, keys, &opened_header, limits);
  // Open never accepts what ParseHeader rejects, and agrees on the header.
  if (opened.ok() && (!parsed.ok() || !(*parsed == opened_header))) abort();
  if (opened.ok() && opened->size() > limits.max_payload_bytes) abort();
  (void)object::ObjectHash(input);
  return 0;
}
