#include "object/object_codec.h"

#include <cstring>
#include <string>

#include "object/wire.h"

namespace coven::object::codec {

namespace {

bool IsKnownKind(std::uint8_t kind) {
  return kind == static_cast<std::uint8_t>(ObjectKind::kLog) ||
         kind == static_cast<std::uint8_t>(ObjectKind::kHead) ||
         kind == static_cast<std::uint8_t>(ObjectKind::kLogPart);
}

Status Invalid(std::string_view subject, const std::string& what) {
  return InvalidArgumentError(std::string(subject) + " " + what);
}

Status Truncated(std::string_view subject, const std::string& part,
                 std::size_t size) {
  return Invalid(subject, "is truncated: its " + part +
                              " is cut off (the object has only " +
                              std::to_string(size) + " bytes)");
}

Status UnknownKind(std::string_view subject, std::uint8_t kind) {
  return Invalid(subject,
                 "has unknown kind " + std::to_string(kind) +
                     " (this build knows 1 = log, 2 = head, 3 = log part)");
}

}  // namespace

Status ValidateHeaderFields(const ObjectHeader& header,
                            std::string_view subject) {
  const auto kind = static_cast<std::uint8_t>(header.kind);
  if (!IsKnownKind(kind)) return UnknownKind(subject, kind);
  if (header.seq == 0) {
    return Invalid(subject, "has seq 0; sequence numbers start at 1");
  }
  if (header.hlc_min > header.hlc_max) {
    return Invalid(subject, "has hlc_min " + header.hlc_min.ToText() +
                                " after hlc_max " + header.hlc_max.ToText());
  }
  return Status::Ok();
}

void EncodeCleartext(const ObjectHeader& header, std::uint32_t chunk_count,
                     Bytes& out) {
  out.reserve(out.size() + kCleartextSize);
  wire::PutBytes(out, kMagic);
  wire::PutU8(out, kFormatVersion);
  wire::PutU8(out, static_cast<std::uint8_t>(header.kind));
  wire::PutBytes(out, header.library_id);
  wire::PutBytes(out, header.key_id);
  wire::PutU64(out, header.author_device);
  wire::PutBytes(out, header.author_public_key);
  wire::PutU64(out, header.seq);
  wire::PutBytes(out, header.prev_hash);
  wire::PutBytes(out, header.hlc_min.ToBytes());
  wire::PutBytes(out, header.hlc_max.ToBytes());
  wire::PutU32(out, header.schema_version);
  wire::PutU64(out, header.member_seq);
  wire::PutBytes(out, header.member_hash);
  wire::PutU32(out, chunk_count);
}

Result<ParsedObject> Parse(ByteView object, const OpenLimits& limits,
                           std::string_view subject) {
  const std::size_t size = object.size();
  if (size > limits.max_object_bytes) {
    return Invalid(subject, "is " + std::to_string(size) +
                                " bytes, over the limit of " +
                                std::to_string(limits.max_object_bytes) +
                                " bytes; refusing to process it");
  }
  wire::Reader reader(object);
  std::array<std::uint8_t, 4> magic{};
  if (!reader.ReadArray(&magic)) return Truncated(subject, "magic", size);
  if (std::memcmp(magic.data(), kMagic, sizeof(kMagic)) != 0) {
    return Invalid(subject,
                   "is not a coven sealed object: it does not start with "
                   "\"CVN1\" (it starts with hex " +
                       HexEncode(magic) + ")");
  }
  std::uint8_t version = 0;
  if (!reader.ReadU8(&version)) return Truncated(subject, "version", size);
  if (version != kFormatVersion) {
    return Invalid(
        subject,
        "has format version " + std::to_string(version) +
            ", but this build reads only version " +
            std::to_string(kFormatVersion) +
            (version > kFormatVersion
                 ? "; upgrade coven to read it"
                 : "; it was written by an older coven development build "
                   "and cannot be read by this one"));
  }
  std::uint8_t kind = 0;
  if (!reader.ReadU8(&kind)) return Truncated(subject, "kind", size);
  if (!IsKnownKind(kind)) return UnknownKind(subject, kind);

  ParsedObject parsed;
  ObjectHeader& header = parsed.header;
  header.kind = static_cast<ObjectKind>(kind);
  std::array<std::uint8_t, 16> hlc_min{}, hlc_max{};
  std::uint32_t chunk_count = 0;
  if (!reader.ReadArray(&header.library_id) ||
      !reader.ReadArray(&header.key_id) ||
      !reader.ReadU64(&header.author_device) ||
      !reader.ReadArray(&header.author_public_key) ||
      !reader.ReadU64(&header.seq) || !reader.ReadArray(&header.prev_hash) ||
      !reader.ReadArray(&hlc_min) || !reader.ReadArray(&hlc_max) ||
      !reader.ReadU32(&header.schema_version) ||
      !reader.ReadU64(&header.member_seq) ||
      !reader.ReadArray(&header.member_hash) || !reader.ReadU32(&chunk_count)) {
    return Truncated(subject, "header", size);
  }
  header.hlc_min = Hlc::FromBytes(hlc_min);
  header.hlc_max = Hlc::FromBytes(hlc_max);
  COVEN_RETURN_IF_ERROR(ValidateHeaderFields(header, subject));
  parsed.cleartext = object.first(kCleartextSize);

  if (chunk_count == 0) {
    return Invalid(subject,
                   "declares zero chunks; every object has at least one");
  }
  // Bound the count by the bytes present before allocating anything for it.
  const std::size_t max_chunks =
      reader.remaining() < kSignatureSize
          ? 0
          : (reader.remaining() - kSignatureSize) / kMinChunkSize;
  if (chunk_count > max_chunks) {
    return Invalid(subject, "declares " + std::to_string(chunk_count) +
                                " chunks, but its " + std::to_string(size) +
                                " bytes can hold at most " +
                                std::to_string(max_chunks));
  }
  parsed.chunks.reserve(chunk_count);
  constexpr std::size_t kFull = kChunkPlaintextMax + kTagSize;
  for (std::uint32_t i = 0; i < chunk_count; ++i) {
    const bool final = i + 1 == chunk_count;
    const std::string name =
        "chunk " + std::to_string(i) + " of " + std::to_string(chunk_count);
    std::uint32_t length = 0;
    WireChunk chunk;
    if (!reader.ReadU32(&length) ||
        !reader.ReadView(kNonceSize, &chunk.nonce)) {
      return Truncated(subject, name + " framing", size);
    }
    if (length < 1 + kTagSize || length > kFull ||
        (!final && length != kFull)) {
      return Invalid(
          subject,
          "has " + name + " declaring " + std::to_string(length) +
              " ciphertext bytes; " +
              (final ? "a final chunk holds 17 to " + std::to_string(kFull)
                     : "a non-final chunk holds exactly " +
                           std::to_string(kFull)));
    }
    if (!reader.ReadView(length, &chunk.ciphertext)) {
      return Invalid(subject, "has " + name + " declaring " +
                                  std::to_string(length) +
                                  " ciphertext bytes, which overruns the " +
                                  std::to_string(size) + "-byte object");
    }
    parsed.chunks.push_back(chunk);
  }
  parsed.signed_bytes = object.first(reader.offset());
  if (!reader.ReadArray(&parsed.signature)) {
    return Truncated(subject, "signature", size);
  }
  if (reader.remaining() != 0) {
    return Invalid(subject, "has " + std::to_string(reader.remaining()) +
                                " unexpected trailing bytes after its "
                                "signature");
  }
  return parsed;
}

}  // namespace coven::object::codec
