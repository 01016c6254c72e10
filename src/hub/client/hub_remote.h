// The hub's native Remote (remote.h): heads from ListHeads, logs from Pull,
// publishing in one Push, and waiting on a Subscribe stream.
//
// Thread safety: every member may be called from any thread.
#ifndef COVEN_HUB_CLIENT_HUB_REMOTE_H_
#define COVEN_HUB_CLIENT_HUB_REMOTE_H_

#include <memory>

#include "coven/remote.h"
#include "hub/client/hub_session.h"

namespace coven::hub::client {

/// A Remote over `session` (must not be null). Its hint stream starts with
/// the first WaitForChange and stops when the Remote is destroyed.
remote::RemoteRef MakeHubRemote(std::shared_ptr<HubSession> session);

}  // namespace coven::hub::client

#endif  // COVEN_HUB_CLIENT_HUB_REMOTE_H_
