// SyncEngine: storing one of this device's own objects in its slot, and
// telling a lost reply, a cloned device and planted bytes apart
// (docs/format/home-repair.md §3).
#include "db/sql.h"
#include "engine/sync_engine.h"
#include "util/crash_point.h"

namespace coven::engine {

bool SyncEngine::IsOwnSignature(const std::string& path, const Bytes& bytes) {
  // Only the signature counts: limits that would refuse a large object of
  // another copy of this device must not make it look foreign.
  object::OpenLimits unlimited;
  unlimited.max_object_bytes = UINT64_MAX;
  unlimited.max_payload_bytes = UINT64_MAX;
  Result<object::ObjectHeader> header = object::Verify(path, bytes, unlimited);
  return header.ok() && header->author_device == device_ &&
         header->author_public_key == identity_.signer.public_key();
}

void SyncEngine::RaiseTamperAlarm(const std::string& what,
                                  RoundReport* report) {
  report->problems.push_back("TAMPERING: " + what);
  report->alarms.push_back(what);
  std::lock_guard<std::recursive_mutex> lock(db_->write_mutex());
  db::SetState(conn_, "tamper_alarm",
               what + " (at " + std::to_string(clock_->NowMillis()) +
                   " ms); if you did not restore or edit the home yourself, "
                   "someone who can write it did. `coven status "
                   "--acknowledge` clears this alarm")
      .IgnoreError();
}

Result<Bytes> SyncEngine::ReadOccupant(const std::string& path,
                                       RoundReport* report) {
  // The size first, from a one-entry listing: a planted file of any size
  // costs no more memory than the largest object this device accepts.
  ++report->requests;
  COVEN_ASSIGN_OR_RETURN(home::ListPage page, home_->List(path, "", 1));
  const home::ObjectInfo* info = nullptr;
  for (const home::ObjectInfo& entry : page.objects) {
    if (entry.path == path) info = &entry;
  }
  if (info == nullptr) {
    return NotFoundError(path +
                         " is occupied but holds no readable object "
                         "(a folder or a special file?)");
  }
  if (info->size > options_.max_object_bytes) {
    return ResourceExhaustedError(
        path + " holds " + std::to_string(info->size) +
        " bytes, more than any object (max_object_bytes " +
        std::to_string(options_.max_object_bytes) + ")");
  }
  ++report->requests;
  return home_->Get(path, options_.max_object_bytes);
}

Result<SyncEngine::Stored> SyncEngine::StoreOwnObject(const std::string& path,
                                                      const Bytes& object,
                                                      RoundReport* report) {
  ++report->requests;
  Status created = remote_->Publish({{path, object}}, std::nullopt).status;
  if (created.ok()) return Stored::kCreated;
  if (created.code() != StatusCode::kAlreadyExists) {
    return created.Annotate("uploading " + path + " to " + home_->Describe());
  }
  // Our own earlier attempt whose reply was lost, if the bytes match
  // (sealing is deterministic).
  Result<Bytes> existing = ReadOccupant(path, report);
  if (!existing.ok() && existing.status().code() == StatusCode::kUnavailable) {
    return existing.status().Annotate("checking " + path + " in " +
                                      home_->Describe());
  }
  if (existing.ok() && *existing == object) return Stored::kAlreadyThere;
  if (existing.ok() && IsOwnSignature(path, *existing)) {
    return FailedPreconditionError(
        home_->Describe() + " already holds a different object at " + path +
        ", signed with this device's key: another copy of this library "
        "directory is syncing as this device. Stop the other copy, then give "
        "it an identity of its own (`coven restore` into a fresh directory)");
  }
  // Bytes this device did not write: planted or damaged by whoever can
  // write the home. The slot is this device's alone, so its own object
  // replaces them (docs/decisions.md, "A planted slot"). The alarm is
  // recorded first, so that a kill cannot hide it.
  const std::string what = existing.ok()
                               ? std::to_string(existing->size()) + " bytes"
                               : std::string("something unreadable (") +
                                     existing.status().message() + ")";
  RaiseTamperAlarm("the home " + home_->Describe() + " held " + what + " at " +
                       path + " that this device did not write",
                   report);
  ++report->requests;
  Status replaced = home_->Replace(path, object);
  if (!replaced.ok()) {
    // What to do depends on the home: a storage home lets whoever holds it
    // remove the file; a home that refuses to replace (a hub writes each
    // log object once, and has no call to remove one) can only be put
    // right by whoever runs it.
    const std::string advice =
        replaced.code() == StatusCode::kPermissionDenied
            ? "this home does not let a device replace or remove it, so "
              "whoever runs the home must: on a hub, its operator restores "
              "hub.db from a backup made before the change (the hub mends by "
              "itself only a copy whose bytes no longer match what this "
              "device pushed, not one recorded as other bytes); then sync "
              "again"
            : "remove " + path + " from the home, then sync again";
    return FailedPreconditionError(
        "this device's slot " + path + " in " + home_->Describe() +
        " holds something it did not write and cannot replace (" +
        replaced.message() + "); " + advice);
  }
  CrashPoint("push.after_replace");
  return Stored::kReplaced;
}

}  // namespace coven::engine
