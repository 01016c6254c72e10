// A raw gRPC client of coven-hub for the hub's tests: registers devices by
// signing (test member-log names: "alice.d1", ...), pushes, pulls.
#ifndef COVEN_TESTS_HUB_WIRE_CLIENT_H_
#define COVEN_TESTS_HUB_WIRE_CLIENT_H_

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "coven/hlc.h"
#include "coven/hub/v1/hub.grpc.pb.h"
#include "hub/wire/registration.h"
#include "member_log_builder.h"

namespace coven::hub::testing {

class WireClient {
 public:
  using Objects = std::vector<std::pair<std::string, std::string>>;

  explicit WireClient(int port,
                      std::shared_ptr<grpc::ChannelCredentials> credentials =
                          grpc::InsecureChannelCredentials(),
                      const std::string& host = "127.0.0.1")
      : channel_(grpc::CreateChannel(host + ":" + std::to_string(port),
                                     credentials)),
        stub_(v1::Hub::NewStub(channel_)) {}

  v1::Hub::Stub& stub() { return *stub_; }

  static std::unique_ptr<grpc::ClientContext> Context(const std::string& token,
                                                      int seconds = 10) {
    auto context = std::make_unique<grpc::ClientContext>();
    if (!token.empty()) context->AddMetadata(wire::kTokenMetadata, token);
    context->set_deadline(std::chrono::system_clock::now() +
                          std::chrono::seconds(seconds));
    return context;
  }

  /// Registers device `name` in `space`: its token, or the status.
  grpc::Status Register(const std::string& space, const std::string& name,
                        std::string* token) {
    const crypto::SigningKeyPair device = members::testing::KeyPair(name);
    const std::string key(device.public_key().begin(),
                          device.public_key().end());
    v1::ChallengeRequest ask;
    ask.set_space(space);
    ask.set_device_public_key(key);
    v1::ChallengeReply challenge;
    grpc::Status status =
        stub_->GetChallenge(Context("").get(), ask, &challenge);
    if (!status.ok()) return status;
    const auto message = wire::RegistrationMessage(
        Bytes(challenge.hub_id().begin(), challenge.hub_id().end()), space,
        device.public_key(),
        Bytes(challenge.challenge().begin(), challenge.challenge().end()),
        std::nullopt);
    const auto signature = device.Sign(ByteView(message.data(), 32));
    v1::RegisterRequest request;
    request.set_space(space);
    request.set_device_public_key(key);
    request.set_challenge(challenge.challenge());
    request.set_device_signature(
        std::string(signature.begin(), signature.end()));
    v1::RegisterReply reply;
    status = stub_->RegisterDevice(Context("").get(), request, &reply);
    if (status.ok()) *token = reply.token();
    return status;
  }

  std::string MustRegister(const std::string& space, const std::string& name) {
    std::string token;
    grpc::Status status = Register(space, name, &token);
    EXPECT_TRUE(status.ok()) << name << ": " << status.error_message();
    return token;
  }

  grpc::Status Push(const std::string& token, const Objects& objects,
                    const std::string& head_path = "",
                    const std::string& head = "",
                    v1::PushReply* reply_out = nullptr) {
    auto context = Context(token);
    v1::PushReply reply;
    auto writer = stub_->Push(context.get(), &reply);
    v1::PushRequest request;
    for (const auto& [path, data] : objects) {
      v1::Object* o = request.add_objects();
      o->set_path(path);
      o->set_data(data);
    }
    if (!head_path.empty()) {
      request.mutable_head()->set_path(head_path);
      request.mutable_head()->set_data(head);
    }
    writer->Write(request);
    writer->WritesDone();
    grpc::Status status = writer->Finish();
    if (reply_out) *reply_out = reply;
    return status;
  }

  /// Founds `space` as alice.d1 and stores `chain`: alice.d1's token.
  std::string Found(const std::string& space,
                    const members::testing::Chain& chain) {
    const std::string token = MustRegister(space, "alice.d1");
    for (std::size_t slot = 1; slot <= chain.slots().size(); ++slot) {
      const Bytes& entry = chain.slot(slot);
      grpc::Status status =
          Push(token, {{members::MemberEntryPath(slot),
                        std::string(entry.begin(), entry.end())}});
      EXPECT_TRUE(status.ok()) << status.error_message();
    }
    return token;
  }

  /// Pulls `author`'s objects after `after_seq` (one Pull call).
  grpc::Status Pull(const std::string& token, std::uint64_t author,
                    std::uint64_t after_seq, std::vector<v1::PulledObject>* out,
                    std::uint32_t max_objects = 0) {
    v1::PullRequest request;
    request.set_author(author);
    request.set_after_seq(after_seq);
    request.set_max_objects(max_objects);
    auto context = Context(token);
    auto reader = stub_->Pull(context.get(), request);
    v1::PullReply page;
    while (reader->Read(&page)) {
      for (const v1::PulledObject& object : page.objects()) {
        out->push_back(object);
      }
    }
    return reader->Finish();
  }

  /// Pulls everything of `author` after `after_seq`, call after call.
  grpc::Status PullAll(const std::string& token, std::uint64_t author,
                       std::uint64_t after_seq,
                       std::vector<v1::PulledObject>* out) {
    while (true) {
      const std::size_t before = out->size();
      grpc::Status status = Pull(token, author, after_seq, out);
      if (!status.ok() || out->size() == before) return status;
      after_seq = out->back().seq();
    }
  }

  static std::uint64_t DeviceId(const std::string& name) {
    return crypto::DeviceIdFor(members::testing::KeyPair(name).public_key());
  }
  static std::string LogPath(const std::string& device, std::uint64_t seq) {
    return "log/" + DeviceIdToHex(DeviceId(device)) + "/" + DeviceIdToHex(seq);
  }
  static std::string HeadPath(const std::string& device) {
    return "heads/" + DeviceIdToHex(DeviceId(device));
  }

 private:
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Hub::Stub> stub_;
};

}  // namespace coven::hub::testing

#endif  // COVEN_TESTS_HUB_WIRE_CLIENT_H_
