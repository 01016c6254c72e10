// One connection to a hub space: the gRPC channel, the device's token and
// the retry rules every call of the hub home and its Remote follows.
//
// Every call gets a deadline (timeout_ms) and, when it needs one, the token
// in the "coven-token-bin" metadata. The token comes from a lazy
// registration (GetChallenge + RegisterDevice signed with the device's keys),
// is renewed before it expires, and is renewed once more when the hub
// answers UNAUTHENTICATED. What the device may do is the hub's to decide on
// every call (docs/format/hub.md), so PERMISSION_DENIED is final.
// UNAVAILABLE and DEADLINE_EXCEEDED are retried with full-jitter backoff on
// the host's clock.
//
// Thread safety: every member may be called from any thread.
#ifndef COVEN_HUB_CLIENT_HUB_SESSION_H_
#define COVEN_HUB_CLIENT_HUB_SESSION_H_

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "coven/home_url.h"
#include "coven/hub/v1/hub.grpc.pb.h"
#include "coven/network_options.h"
#include "coven/status.h"

namespace coven::hub::client {

namespace v1 = ::coven::hub::v1;

struct SessionOptions {
  std::string address;     ///< "HOST:PORT".
  std::string space;       ///< A valid space name.
  bool plaintext = false;  ///< No TLS.
  std::string ca_pem;      ///< TLS roots; empty: the system's.
  home::NetworkOptions network;
  home::HomeCredentialsRef credentials;  ///< Null: anonymous.
};

class HubSession {
 public:
  explicit HubSession(SessionOptions options);

  /// "hub home hub://HOST:PORT/SPACE".
  const std::string& describe() const { return describe_; }
  const std::string& space() const { return options_.space; }
  bool has_credentials() const { return options_.credentials != nullptr; }
  /// This device's id (from its key); 0 without credentials.
  std::uint64_t own_device() const { return own_device_; }
  const home::NetworkOptions& network() const { return options_.network; }
  /// A uniform draw in [0, bound) from the host's entropy (network().entropy,
  /// the system's when unset): the jitter of every backoff of the hub client.
  std::uint64_t Jitter(std::uint64_t bound) const;
  v1::Hub::Stub& stub() { return *stub_; }

  /// One try of a call: runs the RPC with `context` (deadline and token
  /// already set).
  using Attempt = std::function<grpc::Status(grpc::ClientContext& context)>;

  /// Runs `attempt` until it succeeds, fails for good, or the attempts are
  /// used up (see the file comment). `authenticated`: the call needs the
  /// token (kUnauthenticated without credentials, saying so). `deadline`:
  /// false for a stream that stays open (Subscribe). `*retried` (may be
  /// null) is set when an earlier try may have reached the hub. `what`
  /// names the call in messages ("get coven-library.json"). `attempts`:
  /// how many tries when the hub is unavailable (0: the URL's attempts=).
  Status Call(std::string_view what, bool authenticated, const Attempt& attempt,
              bool* retried = nullptr, bool deadline = true, int attempts = 0);

  /// Probe: whether the space exists, and its marker. Unauthenticated.
  Result<v1::ProbeReply> Probe();

  /// kUnauthenticated explaining that the hub needs this device's key.
  Status NeedsKey(std::string_view what) const;

  /// Forgets the token (the next call registers again).
  void DropToken();

 private:
  struct Token {
    std::string bytes;
    std::int64_t renew_at_ms = 0;  // Real time.
    v1::Access access = v1::ACCESS_UNSPECIFIED;
  };

  // The token to send (registering when there is none or it is due).
  Result<Token> CurrentToken();
  Result<Token> Register();
  void Prepare(grpc::ClientContext& context, bool deadline,
               const std::optional<Token>& token) const;

  const SessionOptions options_;
  const std::string describe_;
  std::uint64_t own_device_ = 0;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Hub::Stub> stub_;
  std::mutex mutex_;
  std::optional<Token> token_;
};

}  // namespace coven::hub::client

#endif  // COVEN_HUB_CLIENT_HUB_SESSION_H_
