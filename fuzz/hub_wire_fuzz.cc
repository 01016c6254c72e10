// Fuzzes what coven-hub reads from the network before it trusts anything:
// tokens (hub::server::VerifyToken), object paths (hub::wire::ParsePath),
// the protobuf messages a client or hub parses (PushRequest, PullReply,
// Hint) and the plan the hub makes of a PullRequest (hub::server::PlanPull).
// The first byte picks the parser.
#include <cstdint>
#include <cstring>
#include <string>
#include <unordered_set>

#include "coven/hlc.h"
#include "coven/hub/v1/hub.pb.h"
#include "home/home_layout.h"
#include "hub/server/hub_core.h"
#include "hub/server/tokens.h"
#include "hub/wire/paths.h"

namespace {

using coven::ByteView;
namespace server = coven::hub::server;
namespace wire = coven::hub::wire;

void FuzzToken(ByteView data) {
  server::Key32 key{};
  key.fill(0x42);
  auto claims = server::VerifyToken(data, key, 1'700'000'000'000);
  if (!claims.ok()) return;
  // Whatever verifies must be what IssueToken makes of its claims.
  const coven::Bytes again = server::IssueToken(*claims, key);
  if (again.size() != data.size() ||
      std::memcmp(again.data(), data.data(), data.size()) != 0) {
    __builtin_trap();
  }
}

void FuzzPath(ByteView data) {
  const std::string path(reinterpret_cast<const char*>(data.data()),
                         data.size());
  const wire::ParsedPath parsed = wire::ParsePath(path);
  namespace layout = coven::home::layout;
  // A parsed path is exactly the name the layout gives its numbers.
  switch (parsed.kind) {
    case wire::PathKind::kLog:
      if (layout::LogPath(parsed.device, parsed.number) != path) {
        __builtin_trap();
      }
      break;
    case wire::PathKind::kHead:
      if (layout::HeadPath(parsed.device) != path) __builtin_trap();
      break;
    case wire::PathKind::kMember:
      if (layout::MemberSlotPath(parsed.number) != path) __builtin_trap();
      break;
    default:
      break;
  }
}

template <typename Message>
void FuzzMessage(ByteView data) {
  Message message;
  if (!message.ParseFromArray(data.data(), static_cast<int>(data.size()))) {
    return;
  }
  std::string out;
  message.SerializeToString(&out);
}

void FuzzPullRequest(ByteView data) {
  coven::hub::v1::PullRequest request;
  if (!request.ParseFromArray(data.data(), static_cast<int>(data.size()))) {
    return;
  }
  constexpr std::uint64_t kCap = 12ull << 20;
  auto plan = server::PlanPull(request, kCap);
  if (!plan.ok()) return;
  // A plan names 1..kMaxPullAuthors distinct authors, as the request did,
  // may send at least one object and never objects over the cap.
  const std::size_t named =
      request.authors_size() == 0 ? 1 : request.authors_size();
  if (plan->authors.size() != named ||
      plan->authors.size() > server::kMaxPullAuthors || plan->remaining == 0 ||
      plan->max_object_bytes > kCap || plan->next != 0) {
    __builtin_trap();
  }
  std::unordered_set<std::uint64_t> authors;
  for (std::size_t i = 0; i < plan->authors.size(); ++i) {
    const auto& author = plan->authors[i];
    if (!authors.insert(author.author).second) __builtin_trap();
    const std::uint64_t after = request.authors_size() == 0
                                    ? request.after_seq()
                                    : request.authors(i).after_seq();
    if (author.after_seq != after) __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  if (size == 0) return 0;
  const ByteView rest(data + 1, size - 1);
  switch (data[0] % 6) {
    case 0:
      FuzzToken(rest);
      break;
    case 1:
      FuzzPath(rest);
      break;
    case 2:
      FuzzMessage<coven::hub::v1::PushRequest>(rest);
      break;
    case 3:
      FuzzMessage<coven::hub::v1::PullReply>(rest);
      break;
    case 4:
      FuzzMessage<coven::hub::v1::Hint>(rest);
      break;
    default:
      FuzzPullRequest(rest);
      break;
  }
  return 0;
}
