// HubCore: registration and authentication (the data calls are in
// hub_core_data.cc).
#include "hub/server/hub_core.h"

#include <iostream>

#include "coven/hlc.h"
#include "crypto/crypto.h"
#include "hub/wire/registration.h"

namespace coven::hub::server {

namespace {

std::optional<Key32> KeyFrom(const std::string& bytes) {
  if (bytes.size() != 32) return std::nullopt;
  Key32 key;
  std::copy(bytes.begin(), bytes.end(), key.begin());
  return key;
}

std::string Str(ByteView bytes) {
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

std::string DeviceHex(const Key32& key) {
  return DeviceIdToHex(crypto::DeviceIdFor(key));
}

}  // namespace

Result<std::unique_ptr<HubCore>> HubCore::Create(store::StoreRef store,
                                                 clock::ClockRef clock,
                                                 EntropyRef entropy,
                                                 HubCoreOptions options) {
  COVEN_RETURN_IF_ERROR(crypto::EnsureSodium());
  if (!clock) clock = std::make_shared<clock::SystemClock>();
  if (!entropy) entropy = std::make_shared<SystemEntropy>();
  Entropy* random = entropy.get();
  COVEN_ASSIGN_OR_RETURN(Key32 key, store->TokenKey([random] {
    Key32 fresh;
    random->Fill(fresh);
    return fresh;
  }));
  return std::unique_ptr<HubCore>(
      new HubCore(std::move(store), std::move(clock), std::move(entropy),
                  std::move(options), key));
}

HubCore::HubCore(store::StoreRef store, clock::ClockRef clock,
                 EntropyRef entropy, HubCoreOptions options, Key32 token_key)
    : store_(std::move(store)),
      clock_(std::move(clock)),
      entropy_(std::move(entropy)),
      options_(std::move(options)),
      token_key_(token_key),
      views_(store_, clock_, options_.member_log_max_age_ms),
      recent_(options_.recent_logs) {
  // Every process on one store has the same id: registrations made with one
  // verify on all.
  const crypto::Hash256 id =
      crypto::Hash("coven-hub/id/v1", ByteView(token_key_.data(), 32));
  std::copy(id.begin(), id.begin() + 16, hub_id_.begin());
  views_.OnBlocked(
      [this](std::string_view space, const members::MemberLog& log) {
        // A slot that does not verify in what the hub stored: planted in the
        // store, damaged, or written by a hub that checked less.
        Log("event=member_log_blocked space=" + std::string(space) +
            " slot=" + std::to_string(*log.blocked_at()) + " reason=\"" +
            log.blocked_reason() + "\"");
      });
  // A damaged store fails every call the same way (devices are told the
  // hub's operator must restore it): the operator learns why, once.
  store_->OnDamaged([this](const std::string& detail) {
    Log("event=store_damaged store=" + store_->Describe() + " " + detail);
  });
}

HubCore::~HubCore() { store_->OnDamaged(nullptr); }

void HubCore::Log(const std::string& line) const {
  if (options_.log) {
    options_.log(line);
  } else {
    std::cerr << "coven-hub: " << line << "\n";
  }
}

Status HubCore::Refuse(const Caller& caller, const std::string& what,
                       Status status) {
  Log("event=security_refused space=" + caller.space +
      " device=" + DeviceIdToHex(caller.device_id) +
      " access=" + std::string(AccessName(caller.access)) + " what=\"" + what +
      "\" code=" + std::string(StatusCodeName(status.code())));
  return status;
}

void HubCore::Changed(const store::Change& change) {
  // The store delivers it to every process watching, this one included
  // (SQLite from its announcer thread, PostgreSQL through NOTIFY), exactly
  // once each, soon after.
  store_->Announce(change);
}

Result<pb::ProbeReply> HubCore::Probe(const pb::ProbeRequest& request) {
  COVEN_RETURN_IF_ERROR(wire::CheckSpaceName(request.space()));
  pb::ProbeReply reply;
  reply.set_hub_id(Str(hub_id_));
  Result<store::Space> space = store_->GetSpace(request.space());
  if (!space.ok()) {
    if (space.status().code() == StatusCode::kNotFound) return reply;
    return space.status();
  }
  reply.set_exists(true);
  if (space->marker) {
    reply.set_has_marker(true);
    reply.set_marker(Str(*space->marker));
    return reply;
  }
  COVEN_ASSIGN_OR_RETURN(bool empty, store_->SpaceIsEmpty(request.space()));
  reply.set_empty(empty);
  return reply;
}

Result<pb::ChallengeReply> HubCore::GetChallenge(
    const pb::ChallengeRequest& request) {
  COVEN_RETURN_IF_ERROR(wire::CheckSpaceName(request.space()));
  std::optional<Key32> device = KeyFrom(request.device_public_key());
  if (!device) {
    return InvalidArgumentError("device_public_key must be 32 bytes");
  }
  store::Challenge challenge;
  entropy_->Fill(challenge.bytes);
  challenge.space = request.space();
  challenge.device = *device;
  challenge.expires_ms = clock_->NowMillis() + options_.challenge_lifetime_ms;
  store::ChallengeBounds bounds;
  bounds.now_ms = clock_->NowMillis();
  bounds.per_space = options_.max_challenges_per_space;
  bounds.total = options_.max_challenges;
  COVEN_RETURN_IF_ERROR(store_->PutChallenge(challenge, bounds));
  pb::ChallengeReply reply;
  reply.set_challenge(Str(challenge.bytes));
  reply.set_hub_id(Str(hub_id_));
  reply.set_expires_ms(challenge.expires_ms);
  return reply;
}

Result<pb::RegisterReply> HubCore::RegisterDevice(
    const pb::RegisterRequest& request, const std::string& peer) {
  COVEN_RETURN_IF_ERROR(wire::CheckSpaceName(request.space()));
  std::optional<Key32> device = KeyFrom(request.device_public_key());
  std::optional<Key32> challenge_bytes = KeyFrom(request.challenge());
  if (!device || !challenge_bytes) {
    return InvalidArgumentError(
        "device_public_key and challenge must be 32 bytes each");
  }
  std::optional<Key32> member;
  if (!request.member_public_key().empty()) {
    member = KeyFrom(request.member_public_key());
    if (!member) return InvalidArgumentError("member_public_key: 32 bytes");
  }
  Caller who;
  who.space = request.space();
  who.device = *device;
  who.device_id = crypto::DeviceIdFor(*device);
  const std::int64_t now = clock_->NowMillis();
  Result<store::Challenge> challenge =
      store_->TakeChallenge(*challenge_bytes, now);
  if (!challenge.ok()) {
    if (challenge.status().code() != StatusCode::kNotFound) {
      return challenge.status();
    }
    return Refuse(who, "register with an unknown, used or expired challenge",
                  UnauthenticatedError(
                      "the challenge is unknown, used or expired: ask for a "
                      "new one (GetChallenge) and sign it within 60 s"));
  }
  if (challenge->space != request.space() || challenge->device != *device) {
    return Refuse(who, "register with a challenge issued for another key",
                  UnauthenticatedError("the challenge was issued for another "
                                       "space or device key"));
  }
  const auto message =
      wire::RegistrationMessage(hub_id_, request.space(), *device,
                                ByteView(challenge_bytes->data(), 32), member);
  auto signature_of =
      [](const std::string& bytes) -> std::optional<crypto::Signature> {
    if (bytes.size() != 64) return std::nullopt;
    crypto::Signature s;
    std::copy(bytes.begin(), bytes.end(), s.begin());
    return s;
  };
  auto device_signature = signature_of(request.device_signature());
  if (!device_signature ||
      !crypto::Verify(*device, message, *device_signature).ok()) {
    return Refuse(who, "register with a device signature that does not verify",
                  UnauthenticatedError("the device signature does not verify"));
  }
  if (member) {
    auto member_signature = signature_of(request.member_signature());
    if (!member_signature ||
        !crypto::Verify(*member, message, *member_signature).ok()) {
      return Refuse(
          who, "register with a member signature that does not verify",
          UnauthenticatedError("the member signature does not verify"));
    }
  }
  // The space: claimed by this device when it does not exist yet.
  Result<store::Space> space = store_->GetSpace(request.space());
  if (!space.ok() && space.status().code() == StatusCode::kNotFound) {
    Status created = store_->CreateSpace(request.space(), *device);
    if (!created.ok() && created.code() != StatusCode::kAlreadyExists) {
      return created;
    }
    if (created.ok()) {
      Log("event=space_created space=" + request.space() +
          " founder=" + DeviceHex(*device) + " peer=" + peer);
    }
    space = store_->GetSpace(request.space());
  }
  COVEN_RETURN_IF_ERROR(space.status());
  views_.Invalidate(request.space());
  COVEN_ASSIGN_OR_RETURN(auto log, views_.Get(request.space()));
  if (log->size() == 0 && space->founder != *device && !space->marker) {
    // Another device's claim: taken over when nobody used it (a misspelt
    // name, an init cut short before its marker). Asked with a read first,
    // so that a stranger registering into a used space takes no write lock;
    // ReclaimSpace asks again inside its transaction.
    COVEN_ASSIGN_OR_RETURN(bool empty, store_->SpaceIsEmpty(request.space()));
    Status taken = FailedPreconditionError("the space holds data");
    if (empty) {
      taken = store_->ReclaimSpace(request.space(), space->founder, *device);
    }
    if (taken.ok()) {
      Log("event=space_reclaimed space=" + request.space() +
          " founder=" + DeviceHex(*device) +
          " previous=" + DeviceHex(space->founder) + " peer=" + peer);
      space->founder = *device;
      // Closes the former founder's streams on every process at once.
      store::Change change;
      change.space = request.space();
      change.members = true;
      Changed(change);
    } else if (taken.code() != StatusCode::kFailedPrecondition) {
      return taken;
    }
  }
  std::string why;
  const Access access = AccessOf(*log, space->founder, *device, member, &why);
  who.access = access;
  if (access == Access::kNone) {
    std::string seen =
        " (member log: " + std::to_string(log->size()) + " entries";
    if (log->blocked_at()) {
      seen += ", blocked at " + std::to_string(*log->blocked_at()) + ": " +
              log->blocked_reason();
    }
    return Refuse(
        who, "register: " + why + seen + ")",
        PermissionDeniedError("space " + request.space() + ": " + why));
  }
  TokenClaims claims;
  claims.space = request.space();
  claims.device = *device;
  claims.member = member;
  claims.member_epoch = log->size();
  claims.issued_ms = now;
  claims.expires_ms = now + options_.token_lifetime_ms;
  entropy_->Fill(claims.id);
  pb::RegisterReply reply;
  reply.set_token(Str(IssueToken(claims, token_key_)));
  reply.set_expires_ms(claims.expires_ms);
  reply.set_access(static_cast<pb::Access>(static_cast<int>(access)));
  reply.set_member_epoch(log->size());
  Log("event=registered space=" + request.space() +
      " device=" + DeviceHex(*device) +
      " access=" + std::string(AccessName(access)) + " peer=" + peer);
  return reply;
}

Status HubCore::CheckToken(ByteView token) {
  if (token.empty()) {
    return UnauthenticatedError(
        "no hub token: register the device first (RegisterDevice)");
  }
  return VerifyToken(token, token_key_, clock_->NowMillis()).status();
}

Result<Caller> HubCore::Authenticate(ByteView token, const std::string& peer) {
  if (token.empty()) {
    return UnauthenticatedError(
        "no hub token: register the device first (RegisterDevice) and send "
        "the token in the coven-token-bin metadata");
  }
  COVEN_ASSIGN_OR_RETURN(TokenClaims claims,
                         VerifyToken(token, token_key_, clock_->NowMillis()));
  Caller caller;
  caller.space = claims.space;
  caller.device = claims.device;
  caller.device_id = crypto::DeviceIdFor(claims.device);
  caller.member = claims.member;
  caller.token_expires_ms = claims.expires_ms;
  COVEN_ASSIGN_OR_RETURN(auto log, views_.Get(claims.space));
  Key32 founder{};
  if (log->size() == 0) {
    COVEN_ASSIGN_OR_RETURN(store::Space space, store_->GetSpace(claims.space));
    founder = space.founder;
  }
  std::string why;
  caller.access = AccessOf(*log, founder, claims.device, claims.member, &why);
  caller.member_epoch = log->size();
  if (caller.access == Access::kNone) {
    return Refuse(caller, "a call: " + why + " (peer " + peer + ")",
                  PermissionDeniedError("space " + claims.space + ": " + why));
  }
  caller.may_write_log =
      caller.access == Access::kDevice
          ? log->current().AuthorizeWrite(claims.device)
          : PermissionDeniedError("this device is not in the member log yet");
  return caller;
}

}  // namespace coven::hub::server
