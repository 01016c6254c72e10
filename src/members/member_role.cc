// The names of member roles, as the CLI prints and reads them.
#include <cctype>
#include <optional>
#include <string>
#include <string_view>

#include "coven/members.h"

namespace coven::members {

std::string_view RoleName(MemberRole role) {
  switch (role) {
    case MemberRole::Reader:
      return "reader";
    case MemberRole::Writer:
      return "writer";
    case MemberRole::Admin:
      return "admin";
    case MemberRole::Owner:
      return "owner";
  }
  return "unknown";
}

std::optional<MemberRole> ParseRole(std::string_view name) {
  std::string lower;
  for (char c : name) lower.push_back(static_cast<char>(std::tolower(c)));
  for (MemberRole r : {MemberRole::Reader, MemberRole::Writer,
                       MemberRole::Admin, MemberRole::Owner}) {
    if (lower == RoleName(r)) return r;
  }
  return std::nullopt;
}

}  // namespace coven::members
