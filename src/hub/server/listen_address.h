// The addresses coven-hub listens on (--listen, --metrics-listen), checked
// before anything binds: gRPC would otherwise read a port past 65535 modulo
// 65536, and an address without a port as port 443.
#ifndef COVEN_HUB_SERVER_LISTEN_ADDRESS_H_
#define COVEN_HUB_SERVER_LISTEN_ADDRESS_H_

#include <string_view>

#include "coven/status.h"

namespace coven::hub::server {

/// Ok when `address` is HOST:PORT with a port from 0 to 65535 (0: any free
/// port) and a host that is a name, an IPv4 address or a bracketed IPv6
/// address ([::1]:50051). Errors: kInvalidArgument naming `flag` and what
/// is wrong, with an example.
Status CheckListenAddress(std::string_view flag, std::string_view address);

/// True when `address` (HOST:PORT, as CheckListenAddress accepts) only
/// listens on this machine: localhost, 127.0.0.0/8 or [::1]. Any other host
/// (0.0.0.0, [::], a LAN address, a name) is reachable from the network.
bool IsLoopbackListenAddress(std::string_view address);

}  // namespace coven::hub::server

#endif  // COVEN_HUB_SERVER_LISTEN_ADDRESS_H_
