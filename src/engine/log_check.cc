// SyncEngine::CheckLogObject: the verdict on one log object, its header
// authorized (position, library, chain, member log) before anything is
// decrypted or decompressed (docs/format/object.md §6.2).
#include <optional>

#include "db/sql.h"
#include "engine/cursors.h"
#include "engine/sync_engine.h"
#include "engine/table_schema.h"

namespace coven::engine {

SyncEngine::LogCheck SyncEngine::CheckLogObject(
    std::uint64_t author, std::uint64_t seq, const std::string& path,
    const Bytes& object, const Cursor& cursor, object::ObjectHeader* header_out,
    Bytes* payload_out, std::optional<std::uint64_t> position_floor) {
  object::ObjectHeader& header = *header_out;
  object::OpenLimits limits;
  limits.max_object_bytes = options_.max_object_bytes;
  limits.max_payload_bytes = options_.max_payload_bytes;
  // The header is authorized before anything is decrypted or decompressed.
  Result<object::ObjectHeader> verified = object::Verify(path, object, limits);
  if (!verified.ok()) return {LogCheck::kReject, verified.status(), ""};
  header = *verified;
  const bool pass_over = PassesOver(header.key_id);
  const std::optional<crypto::LibraryKey> key =
      membership_->KeyFor(header.key_id);
  if (!pass_over && !key) {
    // Perhaps a newer (rotated) key that has not reached this device yet.
    return {LogCheck::kWait, Status::Ok(),
            "is sealed with a library key this device does not have; waiting"};
  }
  Status verdict;
  if (!object::IsLogKind(header.kind) || header.author_device != author ||
      header.seq != seq) {
    verdict = InvalidArgumentError(
        "its header names another position (device " +
        DeviceIdToHex(header.author_device) + " seq " +
        std::to_string(header.seq) + "): a replayed or misplaced object");
  } else if (header.library_id != identity_.library_id) {
    verdict = InvalidArgumentError("it belongs to another library");
  } else if (cursor.public_key &&
             *cursor.public_key != header.author_public_key) {
    verdict = UnauthenticatedError(
        "it is signed by a different key than earlier objects of this device");
  } else if (!IsZeroHash(cursor.hash) && header.prev_hash != cursor.hash) {
    verdict = InvalidArgumentError(
        "it does not continue this device's chain (prev hash mismatch: a "
        "forked or replayed history)");
  }
  if (!verdict.ok()) return {LogCheck::kReject, verdict, ""};
  verdict = membership_->AuthorizeObject(header, object::ObjectHash(object));
  if (verdict.code() == StatusCode::kUnavailable) {
    return {LogCheck::kWait, Status::Ok(), verdict.message()};
  }
  if (verdict.code() == StatusCode::kFailedPrecondition) {
    // Another history of the member log: held, never applied, alarmed.
    Status alarmed =
        membership_->NoteHistoryFork(path + " " + verdict.message());
    return {LogCheck::kWait, Status::Ok(),
            "is held: " + verdict.message() +
                (alarmed.ok() ? "" : " (" + alarmed.ToString() + ")")};
  }
  if (!verdict.ok()) return {LogCheck::kReject, verdict, ""};
  {
    // An author's objects never go back in the member log: a removed member
    // cannot keep writing by naming the position before its removal once it
    // has named a later one.
    // In order, the predecessor is the last object applied; a retried
    // object is compared with its own predecessor, so that the verdict does
    // not depend on what arrived since.
    std::uint64_t floor = 0;
    if (position_floor) {
      floor = *position_floor;
    } else {
      std::lock_guard<std::recursive_mutex> lock(db_->write_mutex());
      Result<std::uint64_t> last =
          db::GetStateNumber(conn_, "member_seq/" + DeviceIdToHex(author));
      if (!last.ok())
        return {LogCheck::kWait, Status::Ok(), last.status().message()};
      floor = *last;
    }
    if (header.member_seq < floor) {
      return {LogCheck::kReject,
              PermissionDeniedError(
                  "it names member-log position " +
                  std::to_string(header.member_seq) + ", older than the " +
                  std::to_string(floor) +
                  " its author named before (a replayed or forged position)"),
              ""};
    }
  }
  if (pass_over) {
    return {LogCheck::kPassOver, Status::Ok(),
            "sealed with a key from before this member joined"};
  }
  Result<Bytes> payload =
      object::Open(path, object, KeyLookup(), nullptr, limits);
  if (!payload.ok() && payload.status().code() == StatusCode::kNotFound) {
    return {LogCheck::kWait, Status::Ok(),
            "is sealed with a library key this device does not have; waiting"};
  }
  if (!payload.ok()) return {LogCheck::kReject, payload.status(), ""};
  // The author keyed its schema_version with the object's key; this device
  // keys its own schema the same way to compare.
  if (header.schema_version != SchemaVersion(*key, schema_digest_)) {
    return {LogCheck::kWait, Status::Ok(),
            "was written by a version of the app whose synced tables differ "
            "from this one's (" +
                DescribeSchemaDifference(*payload, tables_) +
                "); update the app on whichever device is older. The "
                "object waits and applies once both run the same schema"};
  }
  verdict =
      applier_->Validate(*payload, author, header.hlc_min, header.hlc_max);
  if (verdict.code() == StatusCode::kFailedPrecondition) {
    return {LogCheck::kWait, Status::Ok(), "held: " + verdict.message()};
  }
  if (!verdict.ok()) return {LogCheck::kReject, verdict, ""};
  *payload_out = std::move(*payload);
  return {LogCheck::kApply, Status::Ok(), ""};
}

bool SyncEngine::PassesOver(const crypto::KeyId& id) const {
  return !options_.history_before_join && membership_->KeyPredatesJoin(id);
}

Status SyncEngine::AdvanceCursor(std::uint64_t author, std::uint64_t seq,
                                 const object::ObjectHeader& header,
                                 const Bytes& object) {
  COVEN_RETURN_IF_ERROR(SaveCursor(conn_, author, seq,
                                   object::ObjectHash(object),
                                   &header.author_public_key));
  return db::SetState(conn_, "member_seq/" + DeviceIdToHex(author),
                      std::to_string(header.member_seq));
}

Status SyncEngine::PassOver(std::uint64_t author, std::uint64_t seq,
                            const object::ObjectHeader& header,
                            const Bytes& object) {
  std::lock_guard<std::recursive_mutex> lock(db_->write_mutex());
  COVEN_ASSIGN_OR_RETURN(db::Transaction txn, db::Transaction::Begin(conn_));
  COVEN_RETURN_IF_ERROR(AdvanceCursor(author, seq, header, object));
  COVEN_ASSIGN_OR_RETURN(std::uint64_t passed,
                         db::GetStateNumber(conn_, "passed_over"));
  COVEN_RETURN_IF_ERROR(
      db::SetState(conn_, "passed_over", std::to_string(passed + 1)));
  return txn.Commit();
}

}  // namespace coven::engine
