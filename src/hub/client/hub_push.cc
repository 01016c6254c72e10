#include "hub/client/hub_push.h"

#include <algorithm>
#include <memory>
#include <string>

namespace coven::hub::client {
namespace {

// Objects are batched into messages of about this many bytes (one larger
// object goes alone).
constexpr std::size_t kMessageBytes = 2 << 20;

std::string AsString(ByteView bytes) {
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

}  // namespace

Result<PushOutcome> PushObjects(HubSession& session, std::string_view what,
                                const std::vector<remote::Outgoing>& objects,
                                const std::optional<remote::Outgoing>& head) {
  // The messages are built once and sent again on a retry.
  std::vector<v1::PushRequest> messages(1);
  std::size_t bytes = 0;
  for (const remote::Outgoing& object : objects) {
    if (bytes > 0 && bytes + object.bytes.size() > kMessageBytes) {
      messages.emplace_back();
      bytes = 0;
    }
    // An object larger than a message goes in pieces, one per message,
    // each but the last marked continued (the hub joins them).
    std::size_t offset = 0;
    do {
      const std::size_t size =
          std::min(object.bytes.size() - offset, kMessageBytes);
      if (offset > 0) {
        messages.emplace_back();
        bytes = 0;
      }
      v1::Object* added = messages.back().add_objects();
      added->set_path(object.path);
      added->set_data(AsString(object.bytes.subspan(offset, size)));
      offset += size;
      added->set_continued(offset < object.bytes.size());
      bytes += size + object.path.size();
    } while (offset < object.bytes.size());
  }
  if (head) {
    v1::Object* added = messages.back().mutable_head();
    added->set_path(head->path);
    added->set_data(AsString(head->bytes));
  }
  PushOutcome outcome;
  Status status = session.Call(
      what, true,
      [&](grpc::ClientContext& context) {
        outcome.reply.Clear();
        std::unique_ptr<grpc::ClientWriter<v1::PushRequest>> writer =
            session.stub().Push(&context, &outcome.reply);
        for (const v1::PushRequest& message : messages) {
          if (!writer->Write(message)) break;  // Finish says why.
        }
        writer->WritesDone();
        return writer->Finish();
      },
      &outcome.retried);
  COVEN_RETURN_IF_ERROR(status);
  return outcome;
}

}  // namespace coven::hub::client
