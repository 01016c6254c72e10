#include "hub_load/devices.h"

#include <cstdio>

#include "coven/hlc.h"
#include "crypto/crypto.h"
#include "hub/wire/registration.h"
#include "member_log_builder.h"

namespace coven::hub_bench {

namespace {

using members::testing::Chain;
using members::testing::KeyPair;

std::string Str(ByteView bytes) {
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

Status Failed(const std::string& what, const grpc::Status& status) {
  return UnavailableError(what + ": " + std::to_string(status.error_code()) +
                          " " + status.error_message());
}

std::string DeviceName(int i) { return "alice.d" + std::to_string(i + 1); }

// GetChallenge + RegisterDevice for `device`, keeping its token.
Status Register(const std::string& space, Device* device) {
  const crypto::SigningKeyPair pair = KeyPair(device->name);
  const crypto::PublicKey& key = pair.public_key();
  pb::ChallengeRequest ask;
  ask.set_space(space);
  ask.set_device_public_key(Str(ByteView(key.data(), key.size())));
  pb::ChallengeReply challenge;
  grpc::ClientContext c1;
  grpc::Status s = device->stub->GetChallenge(&c1, ask, &challenge);
  if (!s.ok()) return Failed("GetChallenge", s);
  const std::string& hub_id = challenge.hub_id();
  const auto message = hub::wire::RegistrationMessage(
      ByteView(reinterpret_cast<const std::uint8_t*>(hub_id.data()),
               hub_id.size()),
      space, key,
      ByteView(
          reinterpret_cast<const std::uint8_t*>(challenge.challenge().data()),
          challenge.challenge().size()),
      std::nullopt);
  const crypto::Signature signature = pair.Sign(message);
  pb::RegisterRequest request;
  request.set_space(space);
  request.set_device_public_key(ask.device_public_key());
  request.set_challenge(challenge.challenge());
  request.set_device_signature(
      Str(ByteView(signature.data(), signature.size())));
  pb::RegisterReply reply;
  grpc::ClientContext c2;
  s = device->stub->RegisterDevice(&c2, request, &reply);
  if (!s.ok()) return Failed("RegisterDevice " + device->name, s);
  device->token = reply.token();
  return Status::Ok();
}

std::string SlotPath(std::size_t slot) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "members/%016llx",
                static_cast<unsigned long long>(slot));
  return buf;
}

}  // namespace

void OpenChannels(const std::string& target, int channels, Space* space) {
  for (int i = 0; i < channels; ++i) {
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(64 << 20);
    args.SetMaxSendMessageSize(64 << 20);
    // A connection of its own per channel.
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetInt("coven.bench.channel", i);
    auto channel = grpc::CreateCustomChannel(
        target, grpc::InsecureChannelCredentials(), args);
    space->stubs.push_back(pb::Hub::NewStub(channel));
    space->channels.push_back(std::move(channel));
  }
}

void Authorize(const Device& device, grpc::ClientContext* context) {
  context->AddMetadata(hub::wire::kTokenMetadata, device.token);
}

std::string LogPath(const Device& device, std::uint64_t seq) {
  return "log/" + device.hex + "/" + DeviceIdToHex(seq);
}

std::string HeadPath(const Device& device) { return "heads/" + device.hex; }

Status SetUpSpace(int devices, Space* space) {
  COVEN_RETURN_IF_ERROR(crypto::EnsureSodium());
  for (int i = 0; i < devices; ++i) {
    Device d;
    d.name = DeviceName(i);
    d.id = crypto::DeviceIdFor(KeyPair(d.name).public_key());
    d.hex = DeviceIdToHex(d.id);
    d.stub = space->stubs[i % space->stubs.size()].get();
    space->devices.push_back(std::move(d));
  }
  // The founder claims the space, writes the genesis and then every
  // AddDevice (signed by alice's member key) in pushes of 64 entries.
  Device& founder = space->devices[0];
  COVEN_RETURN_IF_ERROR(Register(space->name, &founder));
  Chain chain;
  chain.Genesis();
  for (int i = 1; i < devices; ++i) {
    chain.AddDevice("alice", "alice", DeviceName(i));
  }
  const std::vector<Bytes>& slots = chain.slots();
  for (std::size_t i = 0; i < slots.size(); ++i) {
    Result<members::MemberEntry> entry = members::ParseEntry(slots[i]);
    if (!entry.ok()) {
      return InternalError("member-log slot " + std::to_string(i + 1) +
                           " does not parse: " + entry.status().ToString());
    }
  }
  // The genesis alone: the founder's access is decided once per call, and
  // as a founder it may write nothing but the genesis.
  for (std::size_t first = 0; first < slots.size();
       first += first == 0 ? 1 : 64) {
    const std::size_t end = first == 0 ? 1 : first + 64;
    pb::PushRequest request;
    for (std::size_t i = first; i < slots.size() && i < end; ++i) {
      pb::Object* object = request.add_objects();
      object->set_path(SlotPath(i + 1));
      object->set_data(Str(slots[i]));
    }
    pb::PushReply reply;
    grpc::ClientContext context;
    Authorize(founder, &context);
    auto writer = founder.stub->Push(&context, &reply);
    writer->Write(request);
    writer->WritesDone();
    grpc::Status s = writer->Finish();
    if (!s.ok()) return Failed("pushing the member log", s);
  }
  // Registered again: the founder is now a listed device.
  COVEN_RETURN_IF_ERROR(Register(space->name, &founder));
  for (int i = 1; i < devices; ++i) {
    COVEN_RETURN_IF_ERROR(Register(space->name, &space->devices[i]));
  }
  return Status::Ok();
}

}  // namespace coven::hub_bench
