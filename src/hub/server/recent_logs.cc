#include "hub/server/recent_logs.h"

#include <algorithm>

namespace coven::hub::server {

void RecentLogs::Add(std::string_view space, std::uint64_t author,
                     std::span<const store::LogObject> objects) {
  if (objects.empty() || limits_.max_bytes == 0) return;
  std::lock_guard lock(mutex_);
  Key key(std::string(space), author);
  auto run = runs_.find(key);
  for (const store::LogObject& object : objects) {
    if (run != runs_.end() && object.seq <= run->second.last_seq()) {
      continue;  // Held already (a retry, or an older push answered late).
    }
    if (object.data.size() > limits_.max_object_bytes) {
      // Not kept, so the run cannot go on past it.
      if (run != runs_.end()) DropRunLocked(run);
      run = runs_.end();
      continue;
    }
    if (run != runs_.end() && object.seq != run->second.last_seq() + 1) {
      DropRunLocked(run);  // A gap: seqs stored by another hub process.
      run = runs_.end();
    }
    if (run == runs_.end()) {
      run =
          runs_.emplace(key, Run{.first_seq = object.seq, .objects = {}}).first;
    }
    run->second.objects.push_back(
        std::make_shared<const Bytes>(object.data.begin(), object.data.end()));
    bytes_ += object.data.size() + kObjectOverhead;
    age_.emplace_back(key, object.seq);
  }
  EvictLocked();
}

bool RecentLogs::Read(const store::LogRange& range,
                      store::LogPage* page) const {
  if (range.through_seq == 0 || range.after_seq >= range.through_seq) {
    return false;
  }
  std::lock_guard lock(mutex_);
  auto run = runs_.find(std::make_pair(range.space, range.author));
  if (run == runs_.end()) return false;
  const Run& held = run->second;
  if (held.first_seq > range.after_seq + 1 ||
      held.last_seq() < range.through_seq) {
    return false;
  }
  store::LogPage out;
  out.head_seq = held.last_seq();
  std::uint64_t bytes = 0;
  for (std::uint64_t seq = range.after_seq + 1;
       seq <= range.through_seq && out.objects.size() < range.max_objects;
       ++seq) {
    const Bytes& data = *held.objects[seq - held.first_seq];
    store::StoredObject object;
    object.seq = seq;
    object.size = data.size();
    object.too_large = data.size() > range.max_object_bytes;
    const std::uint64_t cost = object.too_large ? 0 : data.size();
    if (!out.objects.empty() && bytes + cost > range.max_bytes) break;
    if (!object.too_large) object.data = data;
    bytes += cost;
    out.objects.push_back(std::move(object));
  }
  *page = std::move(out);
  return true;
}

std::uint64_t RecentLogs::bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}

void RecentLogs::DropRunLocked(Runs::iterator run) {
  for (const std::shared_ptr<const Bytes>& data : run->second.objects) {
    bytes_ -= data->size() + kObjectOverhead;
  }
  runs_.erase(run);
}

void RecentLogs::EvictLocked() {
  while (!age_.empty() &&
         (bytes_ > limits_.max_bytes || age_.size() > limits_.max_objects)) {
    auto [key, seq] = std::move(age_.front());
    age_.pop_front();
    auto run = runs_.find(key);
    // Entries of objects dropped with their run stay behind: skip them.
    if (run == runs_.end() || run->second.first_seq != seq) continue;
    bytes_ -= run->second.objects.front()->size() + kObjectOverhead;
    run->second.objects.pop_front();
    ++run->second.first_seq;
    if (run->second.objects.empty()) runs_.erase(run);
  }
}

}  // namespace coven::hub::server
