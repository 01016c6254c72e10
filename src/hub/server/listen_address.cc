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

}  // namespace coven::hub::server
