#include <algorithm>
#include <string>
#include <utility>

#include "home/home_layout.h"
#include "home/read_limits.h"
#include "hub/client/hub_home_impl.h"
#include "hub/client/hub_push.h"
#include "hub/client/hub_remote.h"

namespace coven::hub::client {
namespace {

// ListObjects' largest page.
constexpr std::size_t kMaxListPage = 1000;

// Every call checks its path here, as every home does, before the hub's own
// rules: an invalid path is kInvalidArgument whatever the call (the hub
// would call it not found, or refuse it as another device's).
Status CheckPath(const std::string& home, std::string_view what,
                 std::string_view path) {
  if (home::IsValidPath(path)) return Status::Ok();
  return InvalidArgumentError(home + ": " + std::string(what) + " " +
                              std::string(path) + ": not a valid home path");
}

}  // namespace

HubHome::HubHome(std::shared_ptr<HubSession> session)
    : session_(std::move(session)) {}

home::Capabilities HubHome::capabilities() const {
  home::Capabilities caps;
  caps.conditional_create = home::CreateSupport::kNative;
  caps.atomic_replace = true;
  caps.range_reads = false;
  caps.server_sorted_list = true;
  caps.server_paged_list = true;
  caps.parallel_reads = 8;
  return caps;
}

remote::RemoteRef HubHome::NativeRemote() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!remote_) remote_ = MakeHubRemote(session_);
  return remote_;
}

Status HubHome::PushOne(std::string_view path, ByteView data, bool as_head,
                        bool create) {
  const std::string what =
      std::string(create ? "create " : "replace ") + std::string(path);
  COVEN_RETURN_IF_ERROR(
      CheckPath(Describe(), create ? "create" : "replace", path));
  std::vector<remote::Outgoing> objects;
  std::optional<remote::Outgoing> head;
  if (as_head) {
    head = remote::Outgoing{std::string(path), data};
  } else {
    objects.push_back(remote::Outgoing{std::string(path), data});
  }
  COVEN_ASSIGN_OR_RETURN(PushOutcome pushed,
                         PushObjects(*session_, what, objects, head));
  if (create && !as_head && pushed.reply.stored() == 0 && !pushed.retried) {
    // The hub holds these very bytes, from before this call.
    return AlreadyExistsError(Describe() + ": " + std::string(path) +
                              " already exists");
  }
  return Status::Ok();
}

Status HubHome::Create(std::string_view path, ByteView data) {
  const bool own_head = session_->has_credentials() &&
                        path == home::layout::HeadPath(session_->own_device());
  if (own_head) {
    // The hub replaces heads; create-once is checked first (only this
    // device writes its head, so nobody races it).
    Result<Bytes> existing = Get(path, home::kMaxHeadBytes);
    if (existing.ok() ||
        existing.status().code() == StatusCode::kResourceExhausted) {
      return AlreadyExistsError(Describe() + ": " + std::string(path) +
                                " already exists");
    }
    if (existing.status().code() != StatusCode::kNotFound) {
      return existing.status();
    }
  }
  return PushOne(path, data, own_head, /*create=*/true);
}

Status HubHome::Replace(std::string_view path, ByteView data) {
  COVEN_RETURN_IF_ERROR(CheckPath(Describe(), "replace", path));
  if (!session_->has_credentials()) {
    return session_->NeedsKey("replace " + std::string(path));
  }
  if (path != home::layout::HeadPath(session_->own_device())) {
    return PermissionDeniedError(
        Describe() + ": replace " + std::string(path) +
        ": the hub replaces only this device's own head (" +
        home::layout::HeadPath(session_->own_device()) +
        "); every other object is written once");
  }
  return PushOne(path, data, /*as_head=*/true, /*create=*/false);
}

Result<Bytes> HubHome::Get(std::string_view path, std::uint64_t max_bytes) {
  COVEN_RETURN_IF_ERROR(CheckPath(Describe(), "get", path));
  if (path == home::layout::kMarker) {
    COVEN_ASSIGN_OR_RETURN(v1::ProbeReply probe, session_->Probe());
    if (!probe.exists() || !probe.has_marker()) {
      return NotFoundError(Describe() + ": " + std::string(path) +
                           (probe.exists() ? " not found"
                                           : " not found: the space does not "
                                             "exist (yet)"));
    }
    if (probe.marker().size() > max_bytes) {
      return home::TooLargeError(Describe(), path, probe.marker().size(),
                                 max_bytes);
    }
    return ToBytes(probe.marker());
  }
  // 0 would mean "the hub's limit".
  const std::uint64_t limit = std::max<std::uint64_t>(max_bytes, 1);
  Result<Bytes> data = Read(path, limit, 0, 0);
  if (data.status().code() == StatusCode::kResourceExhausted) {
    return home::TooLargeError(Describe(), path, std::nullopt, max_bytes);
  }
  return data;
}

Result<Bytes> HubHome::GetRange(std::string_view path, std::uint64_t offset,
                                std::uint64_t length) {
  COVEN_RETURN_IF_ERROR(CheckPath(Describe(), "get a range of", path));
  if (length == 0) {
    // GetObject's length 0 means "to the end": ask for one byte instead,
    // which says whether the object exists and reaches `offset`.
    COVEN_RETURN_IF_ERROR(Read(path, 0, offset, 1).status());
    return Bytes();
  }
  Result<Bytes> data = Read(path, 0, offset, length);
  if (data.ok() && data->size() != length) {
    return OutOfRangeError(Describe() + ": " + std::string(path) +
                           " ends before the range " + std::to_string(offset) +
                           "+" + std::to_string(length));
  }
  return data;
}

Result<Bytes> HubHome::Read(std::string_view path, std::uint64_t max_bytes,
                            std::uint64_t offset, std::uint64_t length) {
  // A reply carries at most one piece of the object: ask until the range
  // (or the object, when length is 0) is read.
  Bytes out;
  while (true) {
    v1::GetObjectRequest request;
    request.set_path(std::string(path));
    request.set_max_bytes(max_bytes);
    request.set_offset(offset + out.size());
    if (length != 0) request.set_length(length - out.size());
    v1::GetObjectReply reply;
    COVEN_RETURN_IF_ERROR(session_->Call(
        "get " + std::string(path), true, [&](grpc::ClientContext& context) {
          return session_->stub().GetObject(&context, request, &reply);
        }));
    if (max_bytes != 0 && reply.size() > max_bytes) {
      return home::TooLargeError(Describe(), path, reply.size(), max_bytes);
    }
    const std::uint64_t wanted =
        length != 0 ? length : reply.size() - std::min(reply.size(), offset);
    if (reply.data().empty()) return out;  // the object ends here
    if (out.size() + reply.data().size() > wanted) {
      return DataLossError(Describe() + ": the hub sent more of " +
                           std::string(path) + " than asked for");
    }
    out.insert(out.end(), reply.data().begin(), reply.data().end());
    if (out.size() == wanted) return out;
  }
}

Result<home::ListPage> HubHome::List(std::string_view prefix,
                                     std::string_view start_after,
                                     std::size_t max_keys) {
  if (max_keys == 0 ||
      (!prefix.empty() && !home::IsValidPath(std::string(prefix) + "x"))) {
    return InvalidArgumentError(Describe() + ": list \"" + std::string(prefix) +
                                "\": invalid prefix or max_keys 0");
  }
  home::ListPage page;
  if (!session_->has_credentials()) {
    // Without a key the hub says only whether the space exists and holds
    // anything; one that does not exist, or holds nothing, lists nothing.
    COVEN_ASSIGN_OR_RETURN(v1::ProbeReply probe, session_->Probe());
    if (!probe.exists() || probe.empty()) return page;
    return session_->NeedsKey("list " + std::string(prefix));
  }
  std::string after(start_after);
  while (page.objects.size() < max_keys) {
    v1::ListObjectsRequest request;
    request.set_prefix(std::string(prefix));
    request.set_start_after(after);
    request.set_limit(static_cast<std::uint32_t>(
        std::min(max_keys - page.objects.size(), kMaxListPage)));
    v1::ListObjectsReply reply;
    COVEN_RETURN_IF_ERROR(session_->Call(
        "list " + std::string(prefix), true, [&](grpc::ClientContext& context) {
          return session_->stub().ListObjects(&context, request, &reply);
        }));
    for (const v1::ObjectInfo& info : reply.objects()) {
      page.objects.push_back(home::ObjectInfo{info.path(), info.size()});
    }
    page.truncated = reply.truncated();
    if (!reply.truncated()) break;
    if (reply.objects().empty()) {
      return UnavailableError(Describe() + ": list " + std::string(prefix) +
                              ": the hub said more follow but sent none");
    }
    after = page.objects.back().path;
  }
  return page;
}

Status HubHome::Delete(std::string_view path) {
  COVEN_RETURN_IF_ERROR(CheckPath(Describe(), "delete", path));
  return UnimplementedError(Describe() + ": delete " + std::string(path) +
                            ": a hub never deletes objects");
}

}  // namespace coven::hub::client
