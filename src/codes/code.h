// Human-typable codes: identity (CVP1), invite (CVI1), restore (CVR1) and
// recovery secret (CVK1, the 128-bit secret that opens a restore code).
//
// Text form: PREFIX-XXXXX-XXXXX-... where the groups are the Crockford
// base32 (codes/base32.h) of payload || checksum, five characters per group.
// The checksum is 5 bytes of BLAKE2b keyed by "coven/code/v1/" + PREFIX, so a
// code of one kind never validates as another, and any single mistyped
// character or swap of two adjacent characters changes the decoded bits and
// is caught unless it also matches a 40-bit keyed hash (odds 2^-40, about
// one in a trillion). Format spec: docs/format/codes.md.
//
// Parsing forgives what people do when they copy codes by hand or by chat:
// any case, spaces, tabs, newlines and dashes anywhere, a trailing '.', and
// I/L typed for 1 and O for 0. It never guesses beyond that.
//
// Codes carry whatever payload the caller encodes (see codes/tlv.h); the
// caller must keep storage secrets out of them or seal them first.
//
// Thread safety: pure functions.
#ifndef COVEN_CODES_CODE_H_
#define COVEN_CODES_CODE_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "coven/bytes.h"
#include "coven/status.h"

namespace coven::codes {

enum class CodeKind { kIdentity, kInvite, kRestore, kRecoverySecret };

/// Longest text DecodeCode/DetectCodeKind look at; longer input is refused
/// before any work.
inline constexpr std::size_t kMaxCodeTextLength = 4096;

/// Bytes of checksum appended to the payload.
inline constexpr std::size_t kCodeChecksumBytes = 5;

/// "CVP1", "CVI1", "CVR1" or "CVK1".
std::string_view CodePrefix(CodeKind kind);

/// "identity code", "invite code" or "restore code".
std::string_view CodeKindName(CodeKind kind);

/// The text form of `payload` as a code of `kind`, e.g. "CVI1-ABCDE-FGH".
std::string EncodeCode(CodeKind kind, ByteView payload);

/// The payload of a code of `kind` typed or pasted as `text`.
/// Errors (all kInvalidArgument, each saying what to do): empty text, text
/// longer than kMaxCodeTextLength, an unknown or newer-version prefix, a code
/// of another kind, a character outside the alphabet (named with its 1-based
/// position in `text`), a wrong length, or a checksum mismatch.
Result<Bytes> DecodeCode(CodeKind kind, std::string_view text);

/// The kind named by the prefix of `text`. Checks only the prefix: call
/// DecodeCode to validate the rest. Errors as DecodeCode's first three.
Result<CodeKind> DetectCodeKind(std::string_view text);

}  // namespace coven::codes

#endif  // COVEN_CODES_CODE_H_
