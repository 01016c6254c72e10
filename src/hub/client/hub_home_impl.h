// HubHome: home::Home over a hub space (coven/hub_home.h has the URL).
//
// Thread safety: every member may be called from any thread.
#ifndef COVEN_HUB_CLIENT_HUB_HOME_IMPL_H_
#define COVEN_HUB_CLIENT_HUB_HOME_IMPL_H_

#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "coven/home.h"
#include "coven/remote.h"
#include "hub/client/hub_session.h"

namespace coven::hub::client {

class HubHome final : public home::Home, public remote::RemoteSource {
 public:
  explicit HubHome(std::shared_ptr<HubSession> session);

  /// Pushes `data` at `path`: a log object, member entry or key wrap (the hub
  /// checks that this device may write it), the marker, or this device's
  /// head (kAlreadyExists if it has one). kAlreadyExists when the path holds
  /// other bytes, or already held these before this call.
  Status Create(std::string_view path, ByteView data) override;
  /// Replaces this device's head; any other path is kPermissionDenied (the
  /// hub replaces nothing else).
  Status Replace(std::string_view path, ByteView data) override;
  /// GetObject (the marker through Probe, which needs no key).
  Result<Bytes> Get(std::string_view path, std::uint64_t max_bytes) override;
  /// GetObject with a range; kOutOfRange when the object ends first.
  Result<Bytes> GetRange(std::string_view path, std::uint64_t offset,
                         std::uint64_t length) override;
  /// ListObjects, paged by the hub (1000 a page). Without credentials: an
  /// empty listing for a space that does not exist, kUnauthenticated else.
  Result<home::ListPage> List(std::string_view prefix,
                              std::string_view start_after,
                              std::size_t max_keys) override;
  /// kUnimplemented: the hub never deletes.
  Status Delete(std::string_view path) override;
  home::Capabilities capabilities() const override;
  std::string Describe() const override { return session_->describe(); }

  /// The Remote sharing this home's connection and token.
  remote::RemoteRef NativeRemote() override;

 private:
  // Reads `length` bytes (0: to the end) of `path` from `offset`, a piece
  // (GetObject reply) per call; TooLargeError when the object is over
  // `max_bytes` (0: no limit of ours).
  Result<Bytes> Read(std::string_view path, std::uint64_t max_bytes,
                     std::uint64_t offset, std::uint64_t length);
  Status PushOne(std::string_view path, ByteView data, bool as_head,
                 bool create);

  const std::shared_ptr<HubSession> session_;
  std::mutex mutex_;
  remote::RemoteRef remote_;
};

}  // namespace coven::hub::client

#endif  // COVEN_HUB_CLIENT_HUB_HOME_IMPL_H_
