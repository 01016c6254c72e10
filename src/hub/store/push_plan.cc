#include "hub/store/push_plan.h"

#include <algorithm>
#include <string>
#include <utility>

#include "hub/store/paths.h"

namespace coven::hub::store {
namespace {

std::string AuthorName(std::uint64_t author) { return Hex16(author); }

}  // namespace

crypto::Hash256 LogObjectHash(ByteView data) {
  return crypto::Hash("coven-hub/log-object/v1", data);
}

Status ValidatePush(const LogPush& push) {
  if (push.space.empty()) return InvalidArgumentError("push names no space");
  if (push.objects.empty() && !push.head) {
    return InvalidArgumentError("push holds neither objects nor a head");
  }
  for (std::size_t i = 0; i < push.objects.size(); ++i) {
    const std::uint64_t seq = push.objects[i].seq;
    if (seq == 0 || seq >= kMaxSeq) {
      return InvalidArgumentError("log seq " + std::to_string(seq) +
                                  " is out of range [1, 2^63)");
    }
    if (i > 0 && seq != push.objects[i - 1].seq + 1) {
      return InvalidArgumentError("pushed seqs are not consecutive: " +
                                  std::to_string(push.objects[i - 1].seq) +
                                  " then " + std::to_string(seq));
    }
  }
  return Status::Ok();
}

std::pair<std::uint64_t, std::uint64_t> StoredRange(const LogPush& push,
                                                    std::uint64_t log_seq) {
  if (push.objects.empty()) return {1, 0};
  return {push.objects.front().seq, std::min(push.objects.back().seq, log_seq)};
}

Result<PushPlan> PlanPush(const LogPush& push, std::uint64_t log_seq,
                          const std::vector<StoredHash>& stored) {
  PushPlan plan;
  plan.log_seq = log_seq;
  const std::string author = AuthorName(push.author);
  if (push.objects.empty()) {
    if (log_seq == 0) {
      return FailedPreconditionError("author " + author +
                                     " has no log: push its objects before a "
                                     "head (head is 0)");
    }
    plan.replace_head = push.head.has_value();
    return plan;
  }
  for (const LogObject& object : push.objects) {
    if (object.seq > log_seq) break;
    auto it =
        std::find_if(stored.begin(), stored.end(),
                     [&](const StoredHash& s) { return s.seq == object.seq; });
    if (it == stored.end()) {
      return DataLossError("the store lost log object " +
                           LogPath(push.author, object.seq) +
                           " below the head " + std::to_string(log_seq));
    }
    if (it->size != object.data.size() ||
        it->hash != LogObjectHash(object.data)) {
      return AlreadyExistsError("fork: author " + author +
                                " pushed different bytes for seq " +
                                std::to_string(object.seq) +
                                ", which the hub already holds; "
                                "nothing was stored");
    }
    ++plan.already_had;
    ++plan.first_new;
  }
  if (plan.first_new < push.objects.size()) {
    const std::uint64_t first = push.objects[plan.first_new].seq;
    if (first != log_seq + 1) {
      return FailedPreconditionError(
          "log gap: author " + author + " pushed seq " + std::to_string(first) +
          " but its head is " + std::to_string(log_seq) + "; push from seq " +
          std::to_string(log_seq + 1));
    }
    plan.log_seq = push.objects.back().seq;
  }
  plan.replace_head =
      push.head.has_value() && push.objects.back().seq >= log_seq;
  return plan;
}

std::optional<StoredCopy> CopyFromRow(std::uint64_t seq, const Bytes& hash,
                                      Bytes data) {
  StoredCopy copy;
  if (hash.size() != copy.hash.size()) return std::nullopt;
  copy.seq = seq;
  std::copy(hash.begin(), hash.end(), copy.hash.begin());
  copy.data = std::move(data);
  return copy;
}

std::pair<std::uint64_t, std::uint64_t> HeldRange(const LogPush& push,
                                                  std::uint32_t held) {
  const std::size_t count = std::min<std::size_t>(held, push.objects.size());
  return {push.objects.front().seq, push.objects[count - 1].seq};
}

std::vector<const LogObject*> DamagedCopies(
    const LogPush& push, const std::vector<StoredCopy>& stored) {
  std::vector<const LogObject*> damaged;
  for (const StoredCopy& copy : stored) {
    if (LogObjectHash(copy.data) == copy.hash) continue;
    auto pushed = std::find_if(
        push.objects.begin(), push.objects.end(),
        [&](const LogObject& object) { return object.seq == copy.seq; });
    if (pushed != push.objects.end() &&
        LogObjectHash(pushed->data) == copy.hash) {
      damaged.push_back(&*pushed);
    }
  }
  return damaged;
}

}  // namespace coven::hub::store
