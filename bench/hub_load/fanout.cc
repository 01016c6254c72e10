#include "hub_load/fanout.h"

#include <condition_variable>

namespace coven::hub_bench {

PushLedger::PushLedger(std::size_t authors_in, std::uint64_t max_seq_in)
    : authors(authors_in),
      max_seq(max_seq_in),
      commit_ns(authors_in * (max_seq_in + 1), 0),
      hash(authors_in * (max_seq_in + 1), 0) {}

// The Subscribe stream.
class Subscriber::Stream final : public grpc::ClientReadReactor<pb::Hint> {
 public:
  Stream(Subscriber* owner, std::uint32_t max_hint_bytes) : owner_(owner) {
    request_.set_max_hint_bytes(max_hint_bytes);
    Authorize(owner->device(), &context_);
    owner->device().stub->async()->Subscribe(&context_, &request_, this);
    StartRead(&hint_);
    StartCall();
  }
  void OnReadDone(bool ok) override {
    if (!ok) return;
    owner_->OnHint(hint_, NowNs());
    StartRead(&hint_);
  }
  void OnDone(const grpc::Status& status) override {
    owner_->OnStreamDone(status);
    delete this;
  }
  void Cancel() { context_.TryCancel(); }

 private:
  Subscriber* owner_;
  grpc::ClientContext context_;
  pb::SubscribeRequest request_;
  pb::Hint hint_;
};

namespace {

// One Pull naming several authors, each from the newest seq held.
class PullCall final : public grpc::ClientReadReactor<pb::PullReply> {
 public:
  PullCall(Subscriber* owner, pb::PullRequest request)
      : owner_(owner), request_(std::move(request)) {
    Authorize(owner->device(), &context_);
    owner->device().stub->async()->Pull(&context_, &request_, this);
    StartRead(&reply_);
    StartCall();
  }
  void OnReadDone(bool ok) override {
    if (!ok) return;
    owner_->OnPulled(reply_, NowNs());
    StartRead(&reply_);
  }
  void OnDone(const grpc::Status& status) override {
    owner_->OnPullDone(status);
    delete this;
  }

 private:
  Subscriber* owner_;
  grpc::ClientContext context_;
  pb::PullRequest request_;
  pb::PullReply reply_;
};

}  // namespace

Subscriber::Subscriber(const Device& device, const PushLedger& ledger,
                       std::uint32_t max_hint_bytes)
    : hint_ns(ledger.commit_ns.size(), 0),
      pull_ns(ledger.commit_ns.size(), 0),
      device_(device),
      ledger_(ledger),
      max_hint_bytes_(max_hint_bytes),
      carried_(ledger.authors),
      cursors_(ledger.authors),
      device_ids_(ledger.authors, 0) {
  for (const auto& [id, index] : ledger.index_of) device_ids_[index] = id;
}

Subscriber::~Subscriber() { Stop(); }

void Subscriber::Start() {
  std::lock_guard<std::mutex> lock(mutex_);
  ++running_;
  stream_ = new Stream(this, max_hint_bytes_);
}

void Subscriber::Stop() {
  std::unique_lock<std::mutex> lock(mutex_);
  stopping = true;
  if (stream_ != nullptr) stream_->Cancel();
  idle_.wait(lock, [this] { return running_ == 0; });
}

bool Subscriber::CaughtUp(const std::vector<std::uint64_t>& through) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (std::size_t a = 0; a < through.size(); ++a) {
    if (ledger_.index_of.at(device_.id) == a) continue;  // its own log
    if (cursors_[a].pulled < through[a]) return false;
  }
  return true;
}

void Subscriber::OnHint(const pb::Hint& hint, std::int64_t now) {
  ++hints;
  std::lock_guard<std::mutex> lock(mutex_);
  for (const pb::HeadEntry& head : hint.heads()) {
    auto found = ledger_.index_of.find(head.device());
    if (found == ledger_.index_of.end()) continue;
    const std::size_t a = found->second;
    Cursor& cursor = cursors_[a];
    const std::uint64_t seq = std::min(head.log_seq(), ledger_.max_seq);
    for (std::uint64_t s = cursor.hinted + 1; s <= seq; ++s) {
      hint_ns[ledger_.At(a, s)] = now;
    }
    cursor.hinted = std::max(cursor.hinted, seq);
    cursor.target = std::max(cursor.target, head.log_seq());
  }
  for (const pb::PulledObject& object : hint.objects()) {
    auto found = ledger_.index_of.find(object.author());
    if (found == ledger_.index_of.end()) {
      ++mismatched;
      continue;
    }
    const std::size_t a = found->second;
    if (object.seq() <= cursors_[a].pulled ||
        !carried_[a].emplace(object.seq(), object.data()).second) {
      ++duplicates;
    }
  }
  for (std::size_t a = 0; a < cursors_.size(); ++a) {
    if (!carried_[a].empty()) DrainCarriedLocked(a, now);
  }
  if (!pulling_) StartPullLocked();
}

void Subscriber::ReceiveLocked(std::size_t author, std::uint64_t seq,
                               const std::string& data, std::int64_t now) {
  Cursor& cursor = cursors_[author];
  if (seq <= cursor.pulled) {
    ++duplicates;
    return;
  }
  if (seq != cursor.pulled + 1) ++skipped;
  cursor.pulled = seq;
  if (seq > ledger_.max_seq) return;
  const std::size_t at = ledger_.At(author, seq);
  if (HashBytes(data) != ledger_.hash[at]) ++mismatched;
  pull_ns[at] = now;
}

void Subscriber::DrainCarriedLocked(std::size_t author, std::int64_t now) {
  // Carried seqs follow every seq a hint named before them, so a Pull in
  // flight (up to the head last named) never returns one of them: they
  // wait here until it has delivered the seqs before.
  std::map<std::uint64_t, std::string>& carried = carried_[author];
  Cursor& cursor = cursors_[author];
  while (!carried.empty() && carried.begin()->first <= cursor.pulled + 1) {
    const std::uint64_t seq = carried.begin()->first;
    const std::string& data = carried.begin()->second;
    if (seq == cursor.pulled + 1) {
      ++this->carried;
      ReceiveLocked(author, seq, data, now);
    } else if (seq <= ledger_.max_seq &&
               HashBytes(data) != ledger_.hash[ledger_.At(author, seq)]) {
      ++mismatched;  // A copy a Pull overtook: still checked.
    }
    carried.erase(carried.begin());
  }
}

void Subscriber::StartPullLocked() {
  pb::PullRequest request;
  for (std::size_t a = 0; a < cursors_.size(); ++a) {
    Cursor& cursor = cursors_[a];
    cursor.asked = cursor.target > cursor.pulled;
    if (!cursor.asked) continue;
    pb::PullCursor* named = request.add_authors();
    named->set_author(device_ids_[a]);
    named->set_after_seq(cursor.pulled);
    // Up to the head the hint named, as a client does.
    named->set_through_seq(cursor.target);
  }
  if (request.authors_size() == 0) return;
  pulling_ = true;
  ++running_;
  new PullCall(this, std::move(request));
}

void Subscriber::OnPulled(const pb::PullReply& reply, std::int64_t now) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const pb::PulledObject& object : reply.objects()) {
    auto found = ledger_.index_of.find(object.author());
    if (found == ledger_.index_of.end() || !cursors_[found->second].asked) {
      ++mismatched;
      continue;
    }
    const std::size_t author = found->second;
    ReceiveLocked(author, object.seq(), object.data(), now);
    DrainCarriedLocked(author, now);
  }
}

void Subscriber::OnPullDone(const grpc::Status& status) {
  pull_codes.Add(status.error_code());
  std::lock_guard<std::mutex> lock(mutex_);
  pulling_ = false;
  if (stream_ != nullptr) StartPullLocked();
  if (--running_ == 0) idle_.notify_all();
}

void Subscriber::OnStreamDone(const grpc::Status& status) {
  std::lock_guard<std::mutex> lock(mutex_);
  stream_status = status;
  stream_ = nullptr;
  if (--running_ == 0) idle_.notify_all();
}

}  // namespace coven::hub_bench
