#include "coven/testing/fault_home.h"

#include <iterator>
#include <optional>
#include <utility>

namespace coven::testing {
namespace {

constexpr std::string_view kHeadsPrefix = "heads/";

}  // namespace

FaultHome::FaultHome(home::HomeRef inner, FaultOptions options)
    : inner_(std::move(inner)),
      options_(options),
      rng_state_(options.seed ^ 0x6a09e667f3bcc908ULL) {}

double FaultHome::NextUnit() {
  // splitmix64: tiny, fast and plenty for fault decisions.
  std::uint64_t z = (rng_state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  return static_cast<double>(z >> 11) * 0x1.0p-53;
}

FaultHome::Decision FaultHome::Begin(Op op, std::string_view path) {
  std::lock_guard<std::mutex> lock(mutex_);
  switch (op) {
    case Op::kCreate:
      ++stats_.creates;
      break;
    case Op::kReplace:
      ++stats_.replaces;
      break;
    case Op::kGet:
      ++stats_.gets;
      break;
    case Op::kGetRange:
      ++stats_.get_ranges;
      break;
    case Op::kList:
      ++stats_.lists;
      break;
    case Op::kDelete:
      ++stats_.deletes;
      break;
  }
  ++op_clock_;
  for (auto it = hidden_until_.begin(); it != hidden_until_.end();) {
    it = it->second < op_clock_ ? hidden_until_.erase(it) : std::next(it);
  }
  Decision d;
  d.op_index = op_clock_;
  if (!enabled_) return d;
  // Always draw the same number of values so that the sequence depends only
  // on the seed and the calls, not on which faults are configured.
  const double fail = NextUnit();
  const double lose = NextUnit();
  const double special = NextUnit();
  d.pick = static_cast<std::uint64_t>(NextUnit() * 0x1.0p53);
  d.fail = fail < options_.error_rate;
  if (d.fail) {
    ++stats_.errors;
    return d;
  }
  d.lose_reply = lose < options_.lost_reply_rate;
  switch (op) {
    case Op::kCreate:
      d.delay = special < options_.delayed_visibility_rate &&
                options_.visibility_delay_ops > 0;
      break;
    case Op::kList:
      d.duplicate = special < options_.duplicate_listing_rate;
      break;
    case Op::kGet:
      d.stale =
          path.starts_with(kHeadsPrefix) && special < options_.stale_head_rate;
      break;
    default:
      break;
  }
  return d;
}

bool FaultHome::HiddenLocked(const std::string& path) const {
  auto it = hidden_until_.find(path);
  return it != hidden_until_.end() && it->second >= op_clock_;
}

Status FaultHome::Injected(std::string_view what, std::string_view op,
                           std::string_view path) {
  return UnavailableError("injected fault: " + std::string(what) + " (" +
                          std::string(op) + " " + std::string(path) + ")");
}

Status FaultHome::LoseReply(std::string_view op, std::string_view path) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ++stats_.lost_replies;
  }
  return Injected("lost reply", op, path);
}

Status FaultHome::Create(std::string_view path, ByteView data) {
  const Decision d = Begin(Op::kCreate, path);
  if (d.fail) return Injected("unavailable", "create", path);
  Status status = inner_->Create(path, data);
  if (status.ok() && d.delay) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (enabled_) {
      hidden_until_[std::string(path)] =
          d.op_index +
          static_cast<std::uint64_t>(options_.visibility_delay_ops);
      ++stats_.delayed;
    }
  }
  if (d.lose_reply) return LoseReply("create", path);
  return status;
}

Status FaultHome::Replace(std::string_view path, ByteView data) {
  const Decision d = Begin(Op::kReplace, path);
  if (d.fail) return Injected("unavailable", "replace", path);
  Result<Bytes> previous = NotFoundError("not read");
  if (options_.stale_head_rate > 0 && path.starts_with(kHeadsPrefix)) {
    previous = inner_->Get(path, options_.max_head_bytes);
  }
  Status status = inner_->Replace(path, data);
  if (status.ok()) {
    std::lock_guard<std::mutex> lock(mutex_);
    hidden_until_.erase(std::string(path));
    if (previous.ok() && enabled_) {
      old_heads_[std::string(path)] = OldHead{std::move(*previous), false};
    }
  }
  if (d.lose_reply) return LoseReply("replace", path);
  return status;
}

Result<Bytes> FaultHome::Get(std::string_view path, std::uint64_t max_bytes) {
  const Decision d = Begin(Op::kGet, path);
  if (d.fail) return Injected("unavailable", "get", path);
  std::optional<Bytes> stale;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (HiddenLocked(std::string(path))) {
      return NotFoundError("injected fault: delayed visibility hides " +
                           std::string(path) + " (get " + std::string(path) +
                           ")");
    }
    auto it = old_heads_.find(path);
    if (d.stale && it != old_heads_.end() && !it->second.served) {
      it->second.served = true;
      ++stats_.stale_reads;
      stale = it->second.bytes;
    }
  }
  if (stale && stale->size() > max_bytes) {
    stale.reset();  // An old head over the limit: serve the current one.
  }
  Result<Bytes> result =
      stale ? Result<Bytes>(std::move(*stale)) : inner_->Get(path, max_bytes);
  if (d.lose_reply) return LoseReply("get", path);
  return result;
}

Result<Bytes> FaultHome::GetRange(std::string_view path, std::uint64_t offset,
                                  std::uint64_t length) {
  const Decision d = Begin(Op::kGetRange, path);
  if (d.fail) return Injected("unavailable", "get range of", path);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (HiddenLocked(std::string(path))) {
      return NotFoundError("injected fault: delayed visibility hides " +
                           std::string(path) + " (get range of " +
                           std::string(path) + ")");
    }
  }
  Result<Bytes> result = inner_->GetRange(path, offset, length);
  if (d.lose_reply) return LoseReply("get range of", path);
  return result;
}

Result<home::ListPage> FaultHome::List(std::string_view prefix,
                                       std::string_view start_after,
                                       std::size_t max_keys) {
  const Decision d = Begin(Op::kList, prefix);
  if (d.fail) return Injected("unavailable", "list", prefix);
  std::string cursor(start_after);
  home::ListPage page;
  while (true) {
    COVEN_ASSIGN_OR_RETURN(home::ListPage raw,
                           inner_->List(prefix, cursor, max_keys));
    page.truncated = raw.truncated;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (home::ObjectInfo& object : raw.objects) {
        if (!HiddenLocked(object.path))
          page.objects.push_back(std::move(object));
      }
    }
    // A page emptied by hiding must not look like a stuck listing.
    if (!page.objects.empty() || !raw.truncated || raw.objects.empty()) break;
    cursor = raw.objects.back().path;
  }
  if (d.duplicate && !page.objects.empty()) {
    const std::size_t index = d.pick % page.objects.size();
    page.objects.insert(page.objects.begin() + index + 1, page.objects[index]);
    std::lock_guard<std::mutex> lock(mutex_);
    ++stats_.duplicates;
  }
  if (d.lose_reply) return LoseReply("list", prefix);
  return page;
}

Status FaultHome::Delete(std::string_view path) {
  const Decision d = Begin(Op::kDelete, path);
  if (d.fail) return Injected("unavailable", "delete", path);
  Status status = inner_->Delete(path);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    hidden_until_.erase(std::string(path));
    old_heads_.erase(std::string(path));
  }
  if (d.lose_reply) return LoseReply("delete", path);
  return status;
}

home::Capabilities FaultHome::capabilities() const {
  return inner_->capabilities();
}

std::string FaultHome::Describe() const {
  return "fault-injecting " + inner_->Describe();
}

void FaultHome::set_enabled(bool enabled) {
  std::lock_guard<std::mutex> lock(mutex_);
  enabled_ = enabled;
  if (!enabled) {
    hidden_until_.clear();
    old_heads_.clear();
  }
}

FaultStats FaultHome::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stats_;
}

}  // namespace coven::testing
