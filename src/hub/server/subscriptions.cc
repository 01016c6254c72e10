#include "hub/server/subscriptions.h"

#include <algorithm>
#include <cstdint>
#include <vector>

#include "hub/wire/registration.h"

namespace coven::hub::server {

SubscribeReactor::SubscribeReactor(Subscriptions* owner, Caller caller,
                                   std::string token,
                                   std::uint64_t max_hint_bytes)
    : owner_(owner),
      caller_(std::move(caller)),
      token_(std::move(token)),
      max_hint_bytes_(std::min(max_hint_bytes, Subscriptions::kMaxHintBytes)) {}

void SubscribeReactor::Notify(std::uint64_t author, std::uint64_t log_seq,
                              std::uint64_t member_epoch) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (finished_) return;
  if (author != 0 && author != caller_.device_id) {
    std::uint64_t& seq = pending_[author];
    seq = std::max(seq, log_seq);
  }
  if (member_epoch > pending_epoch_) pending_epoch_ = member_epoch;
  if (!writing_ && (!pending_.empty() || pending_epoch_ != 0)) {
    WriteLocked(lock);
  }
}

void SubscribeReactor::Admit(std::uint64_t generation) {
  std::lock_guard<std::mutex> lock(mutex_);
  admitted_generation_ = generation;
}

void SubscribeReactor::WriteLocked(std::unique_lock<std::mutex>& lock) {
  hint_.Clear();
  const bool carry =
      max_hint_bytes_ > 0 && first_written_ &&
      admitted_generation_ ==
          owner_->core_.member_views().generation(caller_.space) &&
      owner_->core_.clock().NowMillis() < caller_.token_expires_ms;
  const std::uint64_t granted =
      carry ? owner_->ReserveHintBytes(max_hint_bytes_) : 0;
  std::uint64_t used = 0;
  for (const auto& [author, seq] : pending_) {
    pb::HeadEntry* head = hint_.add_heads();
    head->set_device(author);
    head->set_log_seq(seq);
    std::uint64_t& named = named_[author];
    if (granted > used && seq > named) {
      used += AddObjectsLocked(author, seq, granted - used);
    }
    named = std::max(named, seq);
  }
  if (granted > used) owner_->ReleaseHintBytes(granted - used);
  hint_bytes_ = used;
  hint_.set_member_epoch(pending_epoch_);
  pending_.clear();
  pending_epoch_ = 0;
  writing_ = true;
  first_written_ = true;
  lock.unlock();
  StartWrite(&hint_);
}

std::uint64_t SubscribeReactor::AddObjectsLocked(std::uint64_t author,
                                                 std::uint64_t log_seq,
                                                 std::uint64_t room) {
  const std::uint64_t after = named_[author];
  const std::uint64_t count = log_seq - after;
  if (count > 1024) return 0;
  store::LogRange range;
  range.space = caller_.space;
  range.author = author;
  range.after_seq = after;
  range.through_seq = log_seq;
  range.max_objects = static_cast<std::uint32_t>(count);
  range.max_bytes = room;
  range.max_object_bytes = room;
  store::LogPage page;
  if (!owner_->core_.recent_logs().Read(range, &page) ||
      page.objects.size() != count) {
    return 0;  // Not all held (or over room): the client Pulls them.
  }
  std::uint64_t bytes = 0;
  for (const store::StoredObject& object : page.objects) {
    if (object.too_large) return 0;
    bytes += object.data.size();
  }
  if (bytes > room) return 0;
  for (const store::StoredObject& object : page.objects) {
    pb::PulledObject* out = hint_.add_objects();
    out->set_author(author);
    out->set_seq(object.seq);
    out->set_size(object.size);
    out->set_data(reinterpret_cast<const char*>(object.data.data()),
                  object.data.size());
  }
  owner_->hinted_objects_ += count;
  return bytes;
}

void SubscribeReactor::OnWriteDone(bool ok) {
  std::unique_lock<std::mutex> lock(mutex_);
  writing_ = false;
  owner_->ReleaseHintBytes(hint_bytes_);
  hint_bytes_ = 0;
  if (!ok) {
    if (!finished_) {
      finished_ = true;
      lock.unlock();
      Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "write failed"));
    }
    return;
  }
  if (!finished_ && (!pending_.empty() || pending_epoch_ != 0)) {
    WriteLocked(lock);
  }
}

void SubscribeReactor::Close(const grpc::Status& status) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (finished_) return;
  finished_ = true;
  lock.unlock();
  Finish(status);
}

void SubscribeReactor::OnCancel() {
  Close(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled"));
}

void SubscribeReactor::OnDone() {
  owner_->Remove(this);
  delete this;
}

Subscriptions::Subscriptions(HubCore& core, std::size_t max_per_device,
                             std::int64_t poll_ms)
    : core_(core), max_per_device_(max_per_device), poll_ms_(poll_ms) {
  loop_ = std::thread([this] { Loop(); });
}

Subscriptions::~Subscriptions() {
  stopping_ = true;
  loop_wake_.notify_all();
  loop_.join();
}

grpc::ServerWriteReactor<pb::Hint>* Subscriptions::Open(
    Caller caller, std::string token, std::uint64_t max_hint_bytes) {
  auto* reactor =
      new SubscribeReactor(this, caller, std::move(token), max_hint_bytes);
  std::size_t mine = 0;
  {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    if (closed_) {
      reactor->Close(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                  "the hub is shutting down; reconnect"));
      return reactor;
    }
    for (SubscribeReactor* other : streams_[caller.space]) {
      if (other->caller().device_id == caller.device_id) ++mine;
    }
    if (mine < max_per_device_) streams_[caller.space].insert(reactor);
  }
  if (mine < max_per_device_ && max_hint_bytes > 0) {
    // Checked again, after reading the generation, so that a member-log
    // change announced since the caller's check holds back its objects.
    const std::uint64_t generation =
        core_.member_views().generation(caller.space);
    Result<Caller> again = core_.Authenticate(
        ByteView(reinterpret_cast<const std::uint8_t*>(reactor->token().data()),
                 reactor->token().size()),
        "subscription");
    if (again.ok()) reactor->Admit(generation);
  }
  if (mine >= max_per_device_) {
    reactor->Close(
        grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                     "this device already has " + std::to_string(mine) +
                         " open subscriptions (the limit); close one first"));
    return reactor;
  }
  // The first hint: every head as it is now (the client knows it is live).
  Result<std::vector<store::HeadRow>> heads =
      core_.store().ListHeads(caller.space);
  if (!heads.ok()) {
    reactor->Close(wire::ToGrpc(heads.status()));
    return reactor;
  }
  {
    // What this stream starts from: the poll hints only what grows past it.
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    auto& known = known_heads_[caller.space];
    for (const store::HeadRow& row : *heads) {
      known[row.author] = std::max(known[row.author], row.log_seq);
    }
  }
  bool any = false;
  for (const store::HeadRow& row : *heads) {
    if (row.author == caller.device_id) continue;
    reactor->Notify(row.author, row.log_seq, 0);
    any = true;
  }
  if (!any)
    reactor->Notify(0, 0, std::max<std::uint64_t>(1, caller.member_epoch));
  return reactor;
}

void Subscriptions::Remove(SubscribeReactor* reactor) {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  auto found = streams_.find(reactor->caller().space);
  if (found == streams_.end()) return;
  found->second.erase(reactor);
  if (found->second.empty()) streams_.erase(found);
}

void Subscriptions::OnChange(const store::Change& change) {
  if (change.space.empty()) {
    // Notifications may have been lost: poll every space with streams.
    std::lock_guard<std::mutex> lock(loop_mutex_);
    std::lock_guard<std::recursive_mutex> streams_lock(mutex_);
    for (const auto& [space, set] : streams_) recheck_.insert(space);
    loop_wake_.notify_all();
    return;
  }
  if (change.members) {
    core_.member_views().Invalidate(change.space);
    std::lock_guard<std::mutex> lock(loop_mutex_);
    recheck_.insert(change.space);
    loop_wake_.notify_all();
  }
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  if (change.author != 0) {
    // Every change a push made is hinted, a head replaced without a new
    // object too (the device's sealed head is what readers follow); only
    // the poll skips what is known.
    std::uint64_t& known = known_heads_[change.space][change.author];
    known = std::max(known, change.log_seq);
  }
  auto found = streams_.find(change.space);
  if (found == streams_.end()) return;
  // A copy: a failed write may end (and remove) a stream on this thread.
  const std::vector<SubscribeReactor*> reactors(found->second.begin(),
                                                found->second.end());
  for (SubscribeReactor* reactor : reactors) {
    reactor->Notify(change.author, change.log_seq,
                    change.members ? reactor->caller().member_epoch + 1 : 0);
  }
}

void Subscriptions::Recheck(const std::string& space) {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  auto found = streams_.find(space);
  if (found == streams_.end()) return;
  const std::vector<SubscribeReactor*> reactors(found->second.begin(),
                                                found->second.end());
  for (SubscribeReactor* reactor : reactors) {
    const std::string& token = reactor->token();
    // Read before the check: a change announced meanwhile bumps it again.
    const std::uint64_t generation = core_.member_views().generation(space);
    Result<Caller> caller = core_.Authenticate(
        ByteView(reinterpret_cast<const std::uint8_t*>(token.data()),
                 token.size()),
        "subscription");
    if (!caller.ok()) {
      reactor->Close(wire::ToGrpc(caller.status()));
    } else {
      reactor->Admit(generation);
    }
  }
}

void Subscriptions::PollHeads(const std::string& space) {
  Result<std::vector<store::HeadRow>> heads = core_.store().ListHeads(space);
  if (!heads.ok()) return;
  for (const store::HeadRow& row : *heads) {
    {
      std::lock_guard<std::recursive_mutex> lock(mutex_);
      auto& known = known_heads_[space];
      auto found = known.find(row.author);
      if (found != known.end() && found->second >= row.log_seq) continue;
    }
    store::Change change;
    change.space = space;
    change.author = row.author;
    change.log_seq = row.log_seq;
    OnChange(change);
  }
}

void Subscriptions::Loop() {
  std::int64_t next_poll = core_.clock().NowMillis() + poll_ms_;
  while (!stopping_) {
    std::set<std::string> recheck;
    {
      std::unique_lock<std::mutex> lock(loop_mutex_);
      loop_wake_.wait_for(lock, std::chrono::milliseconds(1000),
                          [this] { return stopping_ || !recheck_.empty(); });
      recheck.swap(recheck_);
    }
    if (stopping_) return;
    std::vector<std::string> spaces;
    {
      std::lock_guard<std::recursive_mutex> lock(mutex_);
      for (const auto& [space, set] : streams_) spaces.push_back(space);
    }
    const std::int64_t now = core_.clock().NowMillis();
    const bool poll = now >= next_poll;
    if (poll) next_poll = now + poll_ms_;
    for (const std::string& space : spaces) {
      // Every second: removals and expired tokens close their streams.
      Recheck(space);
      if (poll || recheck.count(space)) PollHeads(space);
    }
  }
}

void Subscriptions::CloseAll() {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  closed_ = true;
  std::vector<SubscribeReactor*> reactors;
  for (auto& [space, set] : streams_) {
    reactors.insert(reactors.end(), set.begin(), set.end());
  }
  for (SubscribeReactor* reactor : reactors) {
    reactor->Close(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                "the hub is shutting down; reconnect"));
  }
}

std::uint64_t Subscriptions::ReserveHintBytes(std::uint64_t want) {
  std::uint64_t held = hint_bytes_in_flight_.load();
  while (held + want <= kHintBudgetBytes) {
    if (hint_bytes_in_flight_.compare_exchange_weak(held, held + want)) {
      return want;
    }
  }
  return 0;
}

void Subscriptions::ReleaseHintBytes(std::uint64_t bytes) {
  if (bytes > 0) hint_bytes_in_flight_ -= bytes;
}

std::size_t Subscriptions::size() const {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  std::size_t n = 0;
  for (const auto& [space, set] : streams_) n += set.size();
  return n;
}

}  // namespace coven::hub::server
