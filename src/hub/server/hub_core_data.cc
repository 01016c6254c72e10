// HubCore: the data calls (Push, Pull, listings, reads, Reconcile).
#include <algorithm>
#include <future>
#include <map>

#include "coven/hlc.h"
#include "hub/server/hub_core.h"
#include "hub/wire/paths.h"
#include "members/member_entry.h"

namespace coven::hub::server {

namespace {

ByteView View(const std::string& s) {
  return ByteView(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}

// Copied whole: the iterator-range constructor from std::uint8_t to char
// copies byte by byte.
std::string Str(const Bytes& bytes) { return std::string(AsString(bytes)); }

}  // namespace

Status HubCore::CheckRead(const Caller& caller, std::string_view path) {
  // Every admitted caller reads the whole space: a founder's space holds
  // only what the founder wrote, and an enrolling device's member is a
  // member (the objects are sealed to the library's keys anyway).
  if (caller.access != Access::kNone) return Status::Ok();
  return Refuse(caller, "read " + std::string(path),
                PermissionDeniedError("not admitted to this space"));
}

Result<HubCore::PreparedPush> HubCore::PreparePush(
    const Caller& caller, const std::vector<pb::Object>& objects,
    const std::optional<pb::Object>& head) {
  PreparedPush prepared;
  pb::PushReply& reply = prepared.reply;
  std::uint64_t total = 0;
  std::vector<const pb::Object*> log;
  for (const pb::Object& object : objects) {
    total += object.data().size();
    if (object.data().size() > options_.max_object_bytes) {
      return ResourceExhaustedError(object.path() + " is " +
                                    std::to_string(object.data().size()) +
                                    " bytes, over this hub's limit of " +
                                    std::to_string(options_.max_object_bytes));
    }
  }
  if (total > options_.max_push_bytes) {
    return ResourceExhaustedError("one push may carry at most " +
                                  std::to_string(options_.max_push_bytes) +
                                  " bytes; split it");
  }
  for (const pb::Object& object : objects) {
    const wire::ParsedPath path = wire::ParsePath(object.path());
    switch (path.kind) {
      case wire::PathKind::kLog:
        log.push_back(&object);
        break;
      case wire::PathKind::kMember:
        COVEN_RETURN_IF_ERROR(PushMember(caller, path.number, object, &reply));
        break;
      case wire::PathKind::kKeyWrap: {
        // A founder seals the first library key to itself before it
        // writes the genesis; members' devices wrap keys for others.
        if (caller.access == Access::kNone) {
          return Refuse(caller, "write a key wrap",
                        PermissionDeniedError(
                            "key wraps are written by members' devices only"));
        }
        Status put = store_->PutObject(caller.space, object.path(),
                                       View(object.data()), caller.device);
        if (!put.ok()) return put;
        reply.set_stored(reply.stored() + 1);
        break;
      }
      case wire::PathKind::kMarker: {
        Status put =
            store_->PutMarker(caller.space, View(object.data()), caller.device);
        if (!put.ok()) return put;
        reply.set_stored(reply.stored() + 1);
        break;
      }
      case wire::PathKind::kHead:
        return InvalidArgumentError(
            "a head goes in PushRequest.head, not among the objects");
      case wire::PathKind::kInvalid:
        return Refuse(
            caller, "write " + object.path(),
            InvalidArgumentError("\"" + object.path() +
                                 "\" is not a path of the home layout "
                                 "(docs/format/home-layout.md)"));
    }
  }
  if (!log.empty() || head) {
    COVEN_ASSIGN_OR_RETURN(prepared.log,
                           PlanLogPush(caller, log, head ? &*head : nullptr));
  }
  return prepared;
}

void HubCore::CommitPush(const Caller& caller, PreparedPush* push,
                         std::function<void(Result<pb::PushReply>)> done) {
  if (!push->log) return done(std::move(push->reply));
  store_->SubmitPushLog(
      *push->log, [this, caller, push, done = std::move(done)](
                      Result<store::LogPushResult> result) {
        Status finished =
            FinishLogPush(caller, *push->log, std::move(result), &push->reply);
        if (!finished.ok()) return done(finished);
        done(std::move(push->reply));
      });
}

Result<pb::PushReply> HubCore::Push(const Caller& caller,
                                    const std::vector<pb::Object>& objects,
                                    const std::optional<pb::Object>& head) {
  COVEN_ASSIGN_OR_RETURN(PreparedPush prepared,
                         PreparePush(caller, objects, head));
  std::promise<Result<pb::PushReply>> reply;
  CommitPush(caller, &prepared, [&reply](Result<pb::PushReply> result) {
    reply.set_value(std::move(result));
  });
  return reply.get_future().get();
}

Result<store::LogPush> HubCore::PlanLogPush(
    const Caller& caller, const std::vector<const pb::Object*>& log,
    const pb::Object* head) {
  if (caller.access != Access::kDevice) {
    return Refuse(caller, "write a log object or head",
                  PermissionDeniedError(
                      "only a device listed in the member log writes a log"));
  }
  if (!caller.may_write_log.ok()) {
    return Refuse(caller, "write a log object or head",
                  PermissionDeniedError("this device may not write: " +
                                        caller.may_write_log.message()));
  }
  store::LogPush push;
  push.space = caller.space;
  push.author = caller.device_id;
  for (const pb::Object* object : log) {
    const wire::ParsedPath path = wire::ParsePath(object->path());
    if (path.device != caller.device_id) {
      return Refuse(
          caller, "write into another author's log: " + object->path(),
          PermissionDeniedError("a device writes only its own log (log/" +
                                DeviceIdToHex(caller.device_id) + "/...)"));
    }
    push.objects.push_back({path.number, View(object->data())});
  }
  std::sort(push.objects.begin(), push.objects.end(),
            [](const store::LogObject& a, const store::LogObject& b) {
              return a.seq < b.seq;
            });
  if (head) {
    const wire::ParsedPath path = wire::ParsePath(head->path());
    if (path.kind != wire::PathKind::kHead || path.device != caller.device_id) {
      return Refuse(
          caller, "replace the head " + head->path(),
          PermissionDeniedError("a device replaces only its own head "
                                "(heads/" +
                                DeviceIdToHex(caller.device_id) + ")"));
    }
    push.head = ToBytes(head->data());
  }
  return push;
}

Status HubCore::FinishLogPush(const Caller& caller, const store::LogPush& push,
                              Result<store::LogPushResult> result,
                              pb::PushReply* reply) {
  if (!result.ok()) {
    if (result.status().code() == StatusCode::kAlreadyExists) {
      Refuse(caller, "fork its log (other bytes at a stored seq)",
             result.status())
          .IgnoreError();
    }
    return result.status();
  }
  // Committed: what Pulls will ask for next.
  recent_.Add(caller.space, caller.device_id, push.objects);
  std::uint32_t repaired = 0;
  if (result->already_had > 0) {
    // A retry, or the author sending again what its readers found damaged:
    // a stored copy that no longer matches its recorded hash is replaced.
    // The push is committed either way: a failed repair is logged, and the
    // author's next push of these objects tries again.
    Result<std::uint32_t> repair =
        store_->RepairLogObjects(push, result->already_had);
    if (!repair.ok()) {
      Log("event=store_repair_failed space=" + caller.space +
          " device=" + DeviceIdToHex(caller.device_id) + " error=\"" +
          repair.status().ToString() + "\"");
    }
    repaired = std::min(repair.ok() ? *repair : 0, result->already_had);
    if (repaired > 0) {
      Log("event=store_repaired space=" + caller.space +
          " device=" + DeviceIdToHex(caller.device_id) +
          " objects=" + std::to_string(repaired) +
          " what=\"stored log objects no longer matched their hash (the "
          "store's disk, or someone with access to it, changed them); "
          "stored again from the author's push\"");
    }
  }
  reply->set_stored(reply->stored() + result->stored + repaired);
  reply->set_already_had(reply->already_had() + result->already_had - repaired);
  reply->set_head_replaced(result->head_replaced);
  if (result->stored > 0 || repaired > 0 || result->head_replaced) {
    store::Change change;
    change.space = caller.space;
    change.author = caller.device_id;
    change.log_seq = result->log_seq;
    Changed(change);
  }
  return Status::Ok();
}

Status HubCore::PushMember(const Caller& caller, std::uint64_t slot,
                           const pb::Object& object, pb::PushReply* reply) {
  if (caller.access == Access::kNone) {
    return PermissionDeniedError("not admitted");
  }
  views_.Invalidate(caller.space);
  COVEN_ASSIGN_OR_RETURN(auto log, views_.Get(caller.space));
  const ByteView bytes = View(object.data());
  if (slot <= log->size()) {
    // A retry of what is stored, or a lost race for the slot.
    Status put = store_->AppendMember(caller.space, slot, bytes, caller.device);
    if (put.ok()) reply->set_already_had(reply->already_had() + 1);
    return put;
  }
  if (slot != log->size() + 1) {
    return FailedPreconditionError("member-log slot " + std::to_string(slot) +
                                   " leaves a gap: the log "
                                   "has " +
                                   std::to_string(log->size()) + " entries");
  }
  if (caller.access == Access::kFounder) {
    Result<members::MemberEntry> entry = members::ParseEntry(bytes);
    if (!entry.ok() || entry->type != members::EntryType::kGenesis ||
        entry->device != caller.device) {
      return Refuse(caller, "write a genesis that does not name it",
                    PermissionDeniedError(
                        "the founder's first entry must be a genesis naming "
                        "this device as the first device"));
    }
  }
  const members::SlotVerdict verdict = log->Judge(bytes);
  if (!verdict.status.ok() || verdict.link_broken) {
    return Refuse(caller,
                  "append member-log slot " + std::to_string(slot) +
                      " that does not verify",
                  PermissionDeniedError(
                      "member-log entry for slot " + std::to_string(slot) +
                      " does not verify: " +
                      (verdict.link_broken ? std::string("its link is broken")
                                           : verdict.status.message())));
  }
  COVEN_RETURN_IF_ERROR(
      store_->AppendMember(caller.space, slot, bytes, caller.device));
  views_.Invalidate(caller.space);
  reply->set_stored(reply->stored() + 1);
  store::Change change;
  change.space = caller.space;
  change.members = true;
  Changed(change);
  return Status::Ok();
}

Result<pb::ListHeadsReply> HubCore::ListHeads(const Caller& caller) {
  COVEN_RETURN_IF_ERROR(CheckRead(caller, "heads/"));
  COVEN_ASSIGN_OR_RETURN(std::vector<store::HeadRow> rows,
                         store_->ListHeads(caller.space));
  pb::ListHeadsReply reply;
  for (const store::HeadRow& row : rows) {
    pb::HeadEntry* entry = reply.add_heads();
    entry->set_device(row.author);
    entry->set_log_seq(row.log_seq);
    entry->set_head(Str(row.head));
  }
  reply.set_member_epoch(caller.member_epoch);
  return reply;
}

Result<pb::GetObjectReply> HubCore::GetObject(
    const Caller& caller, const pb::GetObjectRequest& request) {
  if (wire::ParsePath(request.path()).kind == wire::PathKind::kInvalid) {
    return NotFoundError(request.path() + " is not in this hub");
  }
  COVEN_RETURN_IF_ERROR(CheckRead(caller, request.path()));
  const std::uint64_t limit =
      request.max_bytes() == 0
          ? options_.max_object_bytes
          : std::min(request.max_bytes(), options_.max_object_bytes);
  const wire::ParsedPath parsed = wire::ParsePath(request.path());
  if (parsed.kind == wire::PathKind::kLog) {
    // A log object may be large: read only the piece asked for.
    std::uint64_t length = options_.max_piece_bytes;
    if (request.length() != 0) length = std::min(length, request.length());
    COVEN_ASSIGN_OR_RETURN(
        store::LogPiece piece,
        store_->GetLogPiece(caller.space, parsed.device, parsed.number,
                            request.offset(), length));
    if (piece.size > limit) {
      return ResourceExhaustedError(
          "\"" + request.path() + "\" is " + std::to_string(piece.size) +
          " bytes, over the limit of " + std::to_string(limit));
    }
    pb::GetObjectReply reply;
    reply.set_size(piece.size);
    reply.set_data(std::string(reinterpret_cast<const char*>(piece.data.data()),
                               piece.data.size()));
    return reply;
  }
  COVEN_ASSIGN_OR_RETURN(
      Bytes data, store_->GetObject(caller.space, request.path(), limit));
  if (request.offset() > data.size()) {
    return OutOfRangeError(request.path() + " is " +
                           std::to_string(data.size()) + " bytes; offset " +
                           std::to_string(request.offset()) + " is past it");
  }
  // At most one piece per reply, so that any object fits a message.
  std::uint64_t length = data.size() - request.offset();
  if (request.length() != 0) length = std::min(length, request.length());
  length = std::min(length, options_.max_piece_bytes);
  pb::GetObjectReply reply;
  reply.set_size(data.size());
  reply.set_data(
      std::string(reinterpret_cast<const char*>(data.data()) + request.offset(),
                  static_cast<std::size_t>(length)));
  return reply;
}

Result<pb::ListObjectsReply> HubCore::ListObjects(
    const Caller& caller, const pb::ListObjectsRequest& request) {
  COVEN_RETURN_IF_ERROR(CheckRead(caller, request.prefix()));
  const std::uint32_t limit =
      request.limit() == 0 ? 1000
                           : std::min<std::uint32_t>(request.limit(), 1000);
  COVEN_ASSIGN_OR_RETURN(std::vector<store::PathInfo> paths,
                         store_->ListPaths(caller.space, request.prefix(),
                                           request.start_after(), limit + 1));
  pb::ListObjectsReply reply;
  for (std::size_t i = 0; i < paths.size() && i < limit; ++i) {
    pb::ObjectInfo* info = reply.add_objects();
    info->set_path(paths[i].path);
    info->set_size(paths[i].size);
  }
  reply.set_truncated(paths.size() > limit);
  return reply;
}

Result<pb::HeartbeatReply> HubCore::Heartbeat(const Caller& caller) {
  pb::HeartbeatReply reply;
  reply.set_server_time_ms(clock_->NowMillis());
  reply.set_token_expires_ms(caller.token_expires_ms);
  reply.set_member_epoch(caller.member_epoch);
  return reply;
}

Result<pb::ReconcileReply> HubCore::Reconcile(
    const Caller& caller, const pb::ReconcileRequest& request) {
  COVEN_RETURN_IF_ERROR(CheckRead(caller, "heads/"));
  COVEN_ASSIGN_OR_RETURN(std::vector<store::HeadRow> rows,
                         store_->ListHeads(caller.space));
  std::map<std::uint64_t, std::uint64_t> hub;
  for (const store::HeadRow& row : rows) hub[row.author] = row.log_seq;
  std::map<std::uint64_t, std::uint64_t> have;
  for (const pb::AuthorCursor& cursor : request.have()) {
    have[cursor.author()] = cursor.seq();
  }
  pb::ReconcileReply reply;
  for (const auto& [author, seq] : hub) {
    auto found = have.find(author);
    if (found == have.end() || found->second < seq) {
      pb::AuthorCursor* lacks = reply.add_client_lacks();
      lacks->set_author(author);
      lacks->set_seq(seq);
    }
  }
  for (const auto& [author, seq] : have) {
    auto found = hub.find(author);
    const std::uint64_t hub_seq = found == hub.end() ? 0 : found->second;
    if (seq > hub_seq) {
      pb::AuthorCursor* lacks = reply.add_hub_lacks();
      lacks->set_author(author);
      lacks->set_seq(hub_seq);
    }
  }
  reply.set_member_epoch(caller.member_epoch);
  return reply;
}

}  // namespace coven::hub::server
