#include "hub/client/hub_session.h"

#include <algorithm>
#include <chrono>
#include <limits>

#include "crypto/crypto.h"
#include "hub/wire/registration.h"

namespace coven::hub::client {
namespace {

// Replies carry objects up to Config::max_object_bytes (64 MiB) and more.
constexpr int kMaxMessageBytes = 128 << 20;
// A token is renewed this long before it expires (at most half its life).
constexpr std::int64_t kRenewMarginMs = 60'000;

std::int64_t RealNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

clock::Clock& ClockOf(const home::NetworkOptions& network) {
  static clock::SystemClock* const system = new clock::SystemClock();
  return network.clock ? *network.clock : *system;
}

std::uint64_t Jitter(const home::NetworkOptions& network, std::uint64_t bound) {
  if (network.entropy) return network.entropy->Uniform(bound);
  static SystemEntropy* const system = new SystemEntropy();
  return system->Uniform(bound);
}

std::shared_ptr<grpc::Channel> MakeChannel(const SessionOptions& options) {
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  if (options.plaintext) {
    credentials = grpc::InsecureChannelCredentials();
  } else {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = options.ca_pem;
    credentials = grpc::SslCredentials(ssl);
  }
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(kMaxMessageBytes);
  args.SetMaxSendMessageSize(kMaxMessageBytes);
  return grpc::CreateCustomChannel(options.address, credentials, args);
}

std::string Bytes32(const std::array<std::uint8_t, 32>& key) {
  return std::string(key.begin(), key.end());
}

}  // namespace

std::uint64_t HubSession::Jitter(std::uint64_t bound) const {
  return client::Jitter(options_.network, bound);
}

HubSession::HubSession(SessionOptions options)
    : options_(std::move(options)),
      describe_("hub home hub://" + options_.address + "/" + options_.space) {
  if (options_.credentials) {
    own_device_ =
        crypto::DeviceIdFor(options_.credentials->device_public_key());
  }
  channel_ = MakeChannel(options_);
  stub_ = v1::Hub::NewStub(channel_);
}

Status HubSession::NeedsKey(std::string_view what) const {
  return UnauthenticatedError(
      describe_ + ": " + std::string(what) +
      ": the hub needs this device's key to answer (a hub home opened "
      "without credentials can only read the space's marker); open the "
      "library's home through coven, which registers the device with it");
}

void HubSession::DropToken() {
  std::lock_guard<std::mutex> lock(mutex_);
  token_.reset();
}

void HubSession::Prepare(grpc::ClientContext& context, bool deadline,
                         const std::optional<Token>& token) const {
  if (deadline) {
    context.set_deadline(
        std::chrono::system_clock::now() +
        std::chrono::milliseconds(options_.network.request_timeout_ms));
  }
  if (token) context.AddMetadata(wire::kTokenMetadata, token->bytes);
}

Result<HubSession::Token> HubSession::Register() {
  const home::HomeCredentials& keys = *options_.credentials;
  const std::array<std::uint8_t, 32> device_key = keys.device_public_key();
  const std::optional<std::array<std::uint8_t, 32>> member_key =
      keys.member_public_key();
  v1::ChallengeRequest ask;
  ask.set_space(options_.space);
  ask.set_device_public_key(Bytes32(device_key));
  v1::ChallengeReply challenge;
  {
    grpc::ClientContext context;
    Prepare(context, true, std::nullopt);
    COVEN_RETURN_IF_ERROR(
        wire::FromGrpc(stub_->GetChallenge(&context, ask, &challenge)));
  }
  const ByteView hub_id(
      reinterpret_cast<const std::uint8_t*>(challenge.hub_id().data()),
      challenge.hub_id().size());
  const ByteView nonce(
      reinterpret_cast<const std::uint8_t*>(challenge.challenge().data()),
      challenge.challenge().size());
  const std::array<std::uint8_t, 32> message = wire::RegistrationMessage(
      hub_id, options_.space, device_key, nonce, member_key);
  v1::RegisterRequest request;
  request.set_space(options_.space);
  request.set_device_public_key(Bytes32(device_key));
  request.set_challenge(challenge.challenge());
  COVEN_ASSIGN_OR_RETURN(auto device_signature, keys.SignAsDevice(message));
  request.set_device_signature(
      std::string(device_signature.begin(), device_signature.end()));
  if (member_key) {
    COVEN_ASSIGN_OR_RETURN(auto member_signature, keys.SignAsMember(message));
    request.set_member_public_key(Bytes32(*member_key));
    request.set_member_signature(
        std::string(member_signature.begin(), member_signature.end()));
  }
  v1::RegisterReply reply;
  grpc::ClientContext context;
  Prepare(context, true, std::nullopt);
  COVEN_RETURN_IF_ERROR(
      wire::FromGrpc(stub_->RegisterDevice(&context, request, &reply)));
  Token token;
  token.bytes = reply.token();
  token.access = reply.access();
  const std::int64_t now = RealNowMs();
  const std::int64_t life = std::max<std::int64_t>(reply.expires_ms() - now, 0);
  token.renew_at_ms = now + std::max<std::int64_t>(
                                life - std::min(kRenewMarginMs, life / 2), 0);
  return token;
}

Result<HubSession::Token> HubSession::CurrentToken() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (token_ && RealNowMs() < token_->renew_at_ms) return *token_;
  token_.reset();
  Result<Token> fresh = Register();
  if (!fresh.ok()) {
    return Status(
        fresh.status().code(),
        describe_ + ": registering this device: " + fresh.status().message());
  }
  token_ = *fresh;
  return *fresh;
}

Status HubSession::Call(std::string_view what, bool authenticated,
                        const Attempt& attempt, bool* retried, bool deadline,
                        int attempts) {
  if (retried != nullptr) *retried = false;
  if (authenticated && !has_credentials()) return NeedsKey(what);
  const home::NetworkOptions& network = options_.network;
  int tries = 0;
  bool renewed = false;
  Status last;
  while (true) {
    ++tries;
    std::optional<Token> token;
    bool reached = false;
    if (authenticated) {
      Result<Token> current = CurrentToken();
      if (current.ok()) token = *current;
      last = current.status();
    }
    if (!authenticated || token) {
      grpc::ClientContext context;
      Prepare(context, deadline, token);
      last = wire::FromGrpc(attempt(context));
      reached = true;
      if (last.code() == StatusCode::kCancelled) {
        // No attempt reports a call that this end cancelled (a pull that
        // has enough ends OK; a hint stream is cancelled only to stop), so
        // the hub or the connection ended it: a hub shutting down cancels
        // its calls. That is the hub going away, retried like any outage,
        // not gRPC's bare "CANCELLED".
        last = UnavailableError(
            "the hub ended the call (is it shutting down or restarting?)");
      }
      if (last.ok()) return last;
      if (authenticated && !renewed &&
          last.code() == StatusCode::kUnauthenticated) {
        // An expired (or otherwise refused) token: register again, once.
        // (Access is the hub's to decide on every call, from the member log
        // as it is then: a token never needs renewing to gain access.)
        renewed = true;
        DropToken();
        --tries;
        continue;
      }
    }
    if ((last.code() != StatusCode::kUnavailable &&
         last.code() != StatusCode::kDeadlineExceeded) ||
        tries >= std::max(attempts > 0 ? attempts : network.max_attempts, 1)) {
      break;
    }
    if (reached && retried != nullptr) *retried = true;
    const std::int64_t ceiling = std::min<std::int64_t>(
        network.retry_cap_ms, network.retry_base_ms << std::min(tries - 1, 20));
    ClockOf(network).SleepMillis(static_cast<std::int64_t>(Jitter(
        static_cast<std::uint64_t>(std::max<std::int64_t>(ceiling, 0)) + 1)));
  }
  if (last.message().starts_with(describe_)) return last;
  std::string hint;
  if (last.code() == StatusCode::kUnavailable ||
      last.code() == StatusCode::kDeadlineExceeded) {
    // Say what to check, not only what gRPC saw.
    hint =
        " (is coven-hub running and reachable there? check the host, the "
        "port and TLS: plaintext=1 for a hub started with --plaintext, "
        "ca=FILE for a private CA)";
  }
  return Status(last.code(), describe_ + ": " + std::string(what) + ": " +
                                 last.message() + hint);
}

Result<v1::ProbeReply> HubSession::Probe() {
  v1::ProbeRequest request;
  request.set_space(options_.space);
  v1::ProbeReply reply;
  COVEN_RETURN_IF_ERROR(Call("probe", false, [&](grpc::ClientContext& ctx) {
    return stub_->Probe(&ctx, request, &reply);
  }));
  return reply;
}

}  // namespace coven::hub::client
