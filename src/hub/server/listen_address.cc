#include "hub/server/listen_address.h"

#include <string>

namespace coven::hub::server {
namespace {

Status Invalid(std::string_view flag, std::string_view address,
               std::string_view what) {
  return InvalidArgumentError(
      std::string(flag) + " " + std::string(address) + ": " +
      std::string(what) +
      "; give HOST:PORT, e.g. 0.0.0.0:50051, 127.0.0.1:0 (any free port) "
      "or [::1]:50051");
}

}  // namespace

Status CheckListenAddress(std::string_view flag, std::string_view address) {
  const std::size_t colon = address.rfind(':');
  if (colon == std::string_view::npos) {
    return Invalid(flag, address, "no port");
  }
  const std::string_view host = address.substr(0, colon);
  const std::string_view port = address.substr(colon + 1);
  if (host.empty()) return Invalid(flag, address, "no host");
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']' ||
        host.find_first_of("[]", 1) != host.size() - 1) {
      return Invalid(flag, address, "an IPv6 host is written [ADDRESS]");
    }
  } else if (host.find_first_of(":[]/ ") != std::string_view::npos) {
    return Invalid(flag, address,
                   "not a host name or address (an IPv6 address goes in "
                   "brackets)");
  }
  if (port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string_view::npos ||
      std::stoul(std::string(port)) > 65535) {
    return Invalid(flag, address, "the port is not a number from 0 to 65535");
  }
  return Status::Ok();
}

bool IsLoopbackListenAddress(std::string_view address) {
  const std::size_t colon = address.rfind(':');
  if (colon == std::string_view::npos) return false;
  const std::string_view host = address.substr(0, colon);
  if (host == "localhost" || host == "[::1]") return true;
  // 127.0.0.0/8: "127." and three more numbers of at most three digits.
  if (host.substr(0, 4) != "127.") return false;
  int parts = 1;
  std::size_t digits = 0;
  for (char c : host.substr(4)) {
    if (c == '.') {
      if (digits == 0) return false;
      ++parts;
      digits = 0;
    } else if (c >= '0' && c <= '9' && ++digits <= 3) {
      continue;
    } else {
      return false;
    }
  }
  return parts == 3 && digits > 0;
}

}  // namespace coven::hub::server
