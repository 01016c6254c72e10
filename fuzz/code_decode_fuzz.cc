// libFuzzer target: the parsers of untrusted custody input: DecodeCode (all
// kinds), the TLV reader and OpenWithPassphrase.
// Input: one selector byte, then the data.
//   0..2  DecodeCode(kIdentity/kInvite/kRestore, data as text)
//   3     ReadTlv(data) with strict and with lenient rules
//   4     OpenWithPassphrase(data, "fuzz passphrase"); only blobs whose cost
//         equals PassphraseCost::ForTests() reach Argon2, so every run stays
//         fast (the header checks themselves are still fuzzed).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "codes/code.h"
#include "codes/tlv.h"
#include "keys/passphrase_box.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  using namespace coven;
  if (size == 0) return 0;
  const ByteView input(data + 1, size - 1);
  switch (data[0] % 5) {
    case 0:
    case 1:
    case 2: {
      const auto kind = static_cast<codes::CodeKind>(data[0] % 5);
      Result<Bytes> payload = codes::DecodeCode(kind, AsString(input));
      if (!payload.ok()) {
        if (payload.status().code() != StatusCode::kInvalidArgument) abort();
        return 0;
      }
      // Whatever decodes re-encodes to a code that decodes the same.
      Result<Bytes> again =
          codes::DecodeCode(kind, codes::EncodeCode(kind, *payload));
      if (!again.ok() || *again != *payload) abort();
      Result<codes::CodeKind> detected = codes::DetectCodeKind(AsString(input));
      if (!detected.ok() || *detected != kind) abort();
      return 0;
    }
    case 3: {
      codes::TlvRules strict;
      strict.known_tags = {1, 2, 3};
      strict.unknown = codes::TlvUnknown::kReject;
      strict.required_tags = {1};
      Result<std::vector<codes::TlvRecord>> records =
          codes::ReadTlv(input, strict);
      codes::TlvRules lenient;
      lenient.duplicates = codes::TlvDuplicates::kKeepAll;
      Result<std::vector<codes::TlvRecord>> all =
          codes::ReadTlv(input, lenient);
      // Anything the strict rules accept, the lenient ones accept too.
      if (records.ok() && !all.ok()) abort();
      if (all.ok()) {
        codes::TlvWriter writer;
        for (const codes::TlvRecord& record : *all) {
          writer.Add(record.tag, record.value);
          (void)codes::TlvUint(record.value);
        }
        // Records re-encode to the same bytes (lengths are canonical).
        if (writer.bytes() != Bytes(input.begin(), input.end())) abort();
      }
      return 0;
    }
    default: {
      Result<keys::PassphraseCost> cost = keys::PeekPassphraseCost(input);
      if (!cost.ok() || !(*cost == keys::PassphraseCost::ForTests())) {
        return 0;
      }
      Result<Bytes> opened = keys::OpenWithPassphrase(input, "fuzz passphrase");
      if (!opened.ok() &&
          opened.status().code() != StatusCode::kPermissionDenied) {
        abort();
      }
      return 0;
    }
  }
}
