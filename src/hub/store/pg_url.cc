#include "hub/store/pg_url.h"

#include <libpq-fe.h>

#include <algorithm>
#include <cctype>
#include <vector>

#include "util/percent.h"

namespace coven::hub::store {
namespace {

constexpr std::string_view kMask = "***";

// Adds `secret` as written and percent-decoded.
void AddSecret(std::string_view secret, std::vector<std::string>* out) {
  if (secret.empty()) return;
  out->emplace_back(secret);
  std::string decoded = util::PercentDecode(secret);
  if (!decoded.empty() && decoded != secret) out->push_back(decoded);
}

// The passwords `url` may hold. Generous on purpose: a URL that libpq
// cannot parse is exactly the one whose message quotes it, so the user
// info is taken up to the first '@' and, in case the password holds one,
// up to the last.
std::vector<std::string> SecretsOf(std::string_view url) {
  std::vector<std::string> secrets;
  const std::size_t scheme_end = url.find("://");
  if (scheme_end != std::string_view::npos) {
    const std::size_t start = scheme_end + 3;
    const std::size_t colon = url.find(':', start);
    for (std::size_t at : {url.find('@', start), url.rfind('@')}) {
      if (at == std::string_view::npos || at < start) continue;
      if (colon != std::string_view::npos && colon < at) {
        AddSecret(url.substr(colon + 1, at - colon - 1), &secrets);
      }
    }
  }
  // password=VALUE in a query (up to '&') or in key=value settings (up to
  // white space, or quoted).
  std::string lower(url);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  });
  for (std::size_t at = lower.find("password"); at != std::string::npos;
       at = lower.find("password", at + 1)) {
    std::size_t value = at + 8;
    while (value < url.size() && url[value] == ' ') ++value;
    if (value >= url.size() || url[value] != '=') continue;
    ++value;
    while (value < url.size() && url[value] == ' ') ++value;
    std::size_t end = value;
    if (value < url.size() && url[value] == '\'') {
      end = url.find('\'', value + 1);
      if (end == std::string_view::npos) end = url.size();
      AddSecret(url.substr(value + 1, end - value - 1), &secrets);
      continue;
    }
    while (end < url.size() && url[end] != '&' && url[end] != '#' &&
           !std::isspace(static_cast<unsigned char>(url[end]))) {
      ++end;
    }
    AddSecret(url.substr(value, end - value), &secrets);
  }
  // Longest first, so that a secret holding another is masked whole.
  std::sort(secrets.begin(), secrets.end(),
            [](const std::string& a, const std::string& b) {
              return a.size() > b.size();
            });
  return secrets;
}

void ReplaceAll(std::string* text, const std::string& secret) {
  for (std::size_t at = text->find(secret); at != std::string::npos;
       at = text->find(secret, at + kMask.size())) {
    text->replace(at, secret.size(), kMask);
  }
}

// Masks the password of the user info of every URL in `text`.
void MaskUserInfo(std::string* text) {
  for (std::size_t sep = text->find("://"); sep != std::string::npos;
       sep = text->find("://", sep + 3)) {
    const std::size_t start = sep + 3;
    std::size_t end = start;
    while (end < text->size() &&
           !std::isspace(static_cast<unsigned char>((*text)[end])) &&
           (*text)[end] != '"' && (*text)[end] != '/' && (*text)[end] != '?' &&
           (*text)[end] != '#') {
      ++end;
    }
    const std::size_t at = text->rfind('@', end == start ? start : end - 1);
    if (at == std::string::npos || at < start) continue;
    const std::size_t colon = text->find(':', start);
    if (colon == std::string::npos || colon > at) continue;
    if (text->compare(colon + 1, at - colon - 1, kMask) == 0) continue;
    text->replace(colon + 1, at - colon - 1, kMask);
  }
}

}  // namespace

std::string MaskPostgresSecrets(std::string_view text, std::string_view url) {
  std::string masked(text);
  for (const std::string& secret : SecretsOf(url)) ReplaceAll(&masked, secret);
  MaskUserInfo(&masked);
  return masked;
}

std::string PostgresUrlProblem(const std::string& url) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &error);
  if (options != nullptr) {
    PQconninfoFree(options);
    return "";
  }
  std::string reason = error != nullptr ? error : "libpq cannot parse it";
  if (error != nullptr) PQfreemem(error);
  while (!reason.empty() && (reason.back() == '\n' || reason.back() == ' ')) {
    reason.pop_back();
  }
  return MaskPostgresSecrets(reason, url);
}

}  // namespace coven::hub::store
