#include "codes/code.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <optional>
#include <vector>

#include "codes/base32.h"

namespace coven::codes {

namespace {

constexpr std::array<CodeKind, 4> kKinds = {
    CodeKind::kIdentity, CodeKind::kInvite, CodeKind::kRestore,
    CodeKind::kRecoverySecret};

// A character of the input that survived normalization, with its 1-based
// position in the original text for error messages.
struct Symbol {
  char c;
  std::size_t position;
};

bool IsIgnored(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '-';
}

std::vector<Symbol> Normalize(std::string_view text) {
  std::size_t end = text.size();
  while (end > 0 && IsIgnored(text[end - 1])) --end;
  if (end > 0 && text[end - 1] == '.') --end;  // "Your code: CVI1-....".
  std::vector<Symbol> out;
  out.reserve(end);
  for (std::size_t i = 0; i < end; ++i) {
    if (IsIgnored(text[i])) continue;
    out.push_back({text[i], i + 1});
  }
  return out;
}

char Upper(char c) {
  return static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
}

// Maps a typed character to a Crockford symbol: case-insensitive, I/L -> 1,
// O -> 0. Anything else outside the alphabet (including U) stays invalid.
char Canonical(char c) {
  c = Upper(c);
  if (c == 'I' || c == 'L') return '1';
  if (c == 'O') return '0';
  return c;
}

std::string Printable(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u >= 0x21 && u < 0x7f) return std::string("'") + c + "'";
  char buffer[8];
  std::snprintf(buffer, sizeof(buffer), "0x%02x", u);
  return std::string("byte ") + buffer;
}

std::array<std::uint8_t, kCodeChecksumBytes> Checksum(CodeKind kind,
                                                      ByteView payload) {
  const std::string key = "coven/code/v1/" + std::string(CodePrefix(kind));
  std::array<std::uint8_t, kCodeChecksumBytes> out{};
  crypto_generichash(out.data(), out.size(), payload.data(), payload.size(),
                     reinterpret_cast<const unsigned char*>(key.data()),
                     key.size());
  return out;
}

std::string KindLabel(CodeKind kind) {
  return std::string(CodeKindName(kind)) + " (" +
         std::string(CodePrefix(kind)) + ")";
}

// "an invite code (CVI1)", "a restore code (CVR1)".
std::string WithArticle(CodeKind kind) {
  const bool a =
      kind == CodeKind::kRestore || kind == CodeKind::kRecoverySecret;
  return (a ? "a " : "an ") + KindLabel(kind);
}

// Reads the prefix from normalized symbols: the first four, uppercased, the
// version digit forgiving I/L for 1.
Result<CodeKind> KindFromSymbols(const std::vector<Symbol>& symbols,
                                 std::string_view text) {
  if (text.size() > kMaxCodeTextLength) {
    return InvalidArgumentError(
        "the text is " + std::to_string(text.size()) +
        " characters long, more than any coven code (at most " +
        std::to_string(kMaxCodeTextLength) +
        "); paste only the code, starting with its prefix such as CVI1-");
  }
  if (symbols.empty()) {
    return InvalidArgumentError(
        "the code is empty; paste the whole code, starting with its prefix "
        "such as CVI1-");
  }
  std::string prefix;
  for (std::size_t i = 0; i < symbols.size() && i < 4; ++i) {
    prefix += Upper(symbols[i].c);
  }
  if (prefix.size() == 4 && (prefix[3] == 'I' || prefix[3] == 'L')) {
    prefix[3] = '1';
  }
  for (CodeKind kind : kKinds) {
    if (prefix == CodePrefix(kind)) return kind;
  }
  if (prefix.size() == 4 && prefix.substr(0, 2) == "CV" &&
      (prefix[2] == 'P' || prefix[2] == 'I' || prefix[2] == 'R' ||
       prefix[2] == 'K') &&
      std::isdigit(static_cast<unsigned char>(prefix[3]))) {
    return InvalidArgumentError(
        "this code (" + prefix +
        ") was made by a newer version of coven than this app understands; "
        "update the app and try again");
  }
  return InvalidArgumentError(
      "this is not a coven code: it should start with CVI1- (invite), CVR1- "
      "(restore) or CVP1- (identity); copy the whole code including its "
      "prefix");
}

}  // namespace

std::string_view CodePrefix(CodeKind kind) {
  switch (kind) {
    case CodeKind::kIdentity:
      return "CVP1";
    case CodeKind::kInvite:
      return "CVI1";
    case CodeKind::kRestore:
      return "CVR1";
    case CodeKind::kRecoverySecret:
      return "CVK1";
  }
  return "CV??";
}

std::string_view CodeKindName(CodeKind kind) {
  switch (kind) {
    case CodeKind::kIdentity:
      return "identity code";
    case CodeKind::kInvite:
      return "invite code";
    case CodeKind::kRestore:
      return "restore code";
    case CodeKind::kRecoverySecret:
      return "recovery secret";
  }
  return "unknown code";
}

std::string EncodeCode(CodeKind kind, ByteView payload) {
  Bytes data(payload.begin(), payload.end());
  const auto checksum = Checksum(kind, payload);
  data.insert(data.end(), checksum.begin(), checksum.end());
  const std::string body = Base32Encode(data);
  std::string out(CodePrefix(kind));
  for (std::size_t i = 0; i < body.size(); i += 5) {
    out += '-';
    out += body.substr(i, 5);
  }
  sodium_memzero(data.data(), data.size());
  return out;
}

Result<CodeKind> DetectCodeKind(std::string_view text) {
  if (text.size() > kMaxCodeTextLength) return KindFromSymbols({}, text);
  return KindFromSymbols(Normalize(text), text);
}

Result<Bytes> DecodeCode(CodeKind kind, std::string_view text) {
  if (text.size() > kMaxCodeTextLength)
    return KindFromSymbols({}, text).status();
  const std::vector<Symbol> symbols = Normalize(text);
  COVEN_ASSIGN_OR_RETURN(const CodeKind found, KindFromSymbols(symbols, text));
  if (found != kind) {
    return InvalidArgumentError("this is " + WithArticle(found) + ", not " +
                                WithArticle(kind) + "; use it where " +
                                WithArticle(found) + " is asked for");
  }
  std::string body;
  body.reserve(symbols.size() - 4);
  for (std::size_t i = 4; i < symbols.size(); ++i) {
    const char c = Canonical(symbols[i].c);
    if (Base32Value(c) < 0) {
      std::string hint = Upper(symbols[i].c) == 'U' ? " (did you mean V?)" : "";
      return InvalidArgumentError(
          "the code has an invalid character " + Printable(symbols[i].c) +
          " at position " + std::to_string(symbols[i].position) + hint +
          "; codes use digits and the letters A-Z except I, L, O and U, so "
          "check that character against the original");
    }
    body += c;
  }
  const std::size_t bytes = body.size() * 5 / 8;
  if (Base32Length(bytes) != body.size()) {
    return InvalidArgumentError(
        "the code has the wrong length (" + std::to_string(body.size()) +
        " characters after the prefix): a character is missing or extra; "
        "copy it again");
  }
  if (bytes < kCodeChecksumBytes) {
    return InvalidArgumentError(
        "the code is too short to be complete; copy the whole code again");
  }
  // Fails only on non-zero padding bits: a typo in the last character.
  std::optional<Bytes> data = Base32Decode(body);
  bool matches = data.has_value();
  if (matches) {
    const std::size_t payload_size = data->size() - kCodeChecksumBytes;
    const auto expected = Checksum(kind, ByteView(data->data(), payload_size));
    matches = std::equal(expected.begin(), expected.end(),
                         data->begin() + payload_size);
  }
  if (!matches) {
    if (data.has_value()) sodium_memzero(data->data(), data->size());
    return InvalidArgumentError(
        "the code's checksum does not match: a character was mistyped or the "
        "code is incomplete; copy it again");
  }
  data->resize(data->size() - kCodeChecksumBytes);
  return std::move(*data);
}

}  // namespace coven::codes
