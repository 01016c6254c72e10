#include "hub/client/hinted_objects.h"

#include "home/home_layout.h"

namespace coven::hub::client {

void HintedObjects::Keep(std::uint64_t author, std::uint64_t seq,
                         ByteView bytes) {
  std::lock_guard<std::mutex> lock(mutex_);
  const std::uint64_t cost = bytes.size() + kEntryOverhead;
  if (bytes_ + cost > kMaxBytes) {
    held_.clear();
    bytes_ = 0;
    if (cost > kMaxBytes) return;
  }
  auto [at, added] = held_[author].try_emplace(seq, bytes.begin(), bytes.end());
  if (added) bytes_ += cost;
}

std::vector<remote::LogObject> HintedObjects::Take(
    const remote::FetchRequest& request, std::uint64_t max_bytes) {
  std::vector<remote::LogObject> out;
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = held_.find(request.author);
  if (found == held_.end()) return out;
  std::map<std::uint64_t, Bytes>& objects = found->second;
  // What the device holds already is not asked for again.
  for (auto it = objects.begin();
       it != objects.end() && it->first <= request.after_seq;) {
    bytes_ -= it->second.size() + kEntryOverhead;
    it = objects.erase(it);
  }
  std::uint64_t bytes = 0;
  for (auto it = objects.begin(); it != objects.end();) {
    const std::uint64_t seq = request.after_seq + 1 + out.size();
    if (it->first != seq || seq > request.through_seq ||
        (request.max_objects > 0 && out.size() >= request.max_objects) ||
        it->second.size() > request.max_object_bytes ||
        (!out.empty() && bytes + it->second.size() > max_bytes)) {
      break;
    }
    remote::LogObject object;
    object.seq = seq;
    object.path = home::layout::LogPath(request.author, seq);
    bytes += it->second.size();
    bytes_ -= it->second.size() + kEntryOverhead;
    object.bytes = std::move(it->second);
    out.push_back(std::move(object));
    it = objects.erase(it);
  }
  if (objects.empty()) held_.erase(found);
  return out;
}

std::uint64_t HintedObjects::bytes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return bytes_;
}

}  // namespace coven::hub::client
