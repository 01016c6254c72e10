// Push: one all-or-nothing stream of objects and, optionally, the head,
// shared by the hub home (one object at a time) and its Remote (a batch).
//
// Thread safety: as HubSession.
#ifndef COVEN_HUB_CLIENT_HUB_PUSH_H_
#define COVEN_HUB_CLIENT_HUB_PUSH_H_

#include <optional>
#include <string_view>
#include <vector>

#include "coven/remote.h"
#include "coven/status.h"
#include "hub/client/hub_session.h"

namespace coven::hub::client {

struct PushOutcome {
  v1::PushReply reply;
  /// An earlier try may have stored the objects (its reply was lost).
  bool retried = false;
};

/// Sends `objects` then `head` in one Push stream (several messages when
/// they are large) and returns the hub's reply. Errors: the hub's, mapped
/// by wire::FromGrpc (kAlreadyExists: a path holds other bytes;
/// kFailedPrecondition: a gap in this device's log; kPermissionDenied: a
/// path this device may not write), named by `what`.
Result<PushOutcome> PushObjects(HubSession& session, std::string_view what,
                                const std::vector<remote::Outgoing>& objects,
                                const std::optional<remote::Outgoing>& head);

}  // namespace coven::hub::client

#endif  // COVEN_HUB_CLIENT_HUB_PUSH_H_
