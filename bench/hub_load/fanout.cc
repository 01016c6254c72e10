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
  explicit Stream(Subscriber* owner) : owner_(owner) {
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

class PullCall final : public grpc::ClientReadReactor<pb::PullReply> {
 public:
  PullCall(Subscriber* owner, std::size_t author, std::uint64_t device,
           std::uint64_t after)
      : owner_(owner), author_(author) {
    Authorize(owner->device(), &context_);
    request_.set_author(device);
    request_.set_after_seq(after);
    owner->device().stub->async()->Pull(&context_, &request_, this);
    StartRead(&reply_);
    StartCall();
  }
  void OnReadDone(bool ok) override {
    if (!ok) return;
    owner_->OnPulled(author_, reply_, NowNs());
    StartRead(&reply_);
  }
  void OnDone(const grpc::Status& status) override {
    owner_->OnPullDone(author_, status);
    delete this;
  }

 private:
  Subscriber* owner_;
  std::size_t author_;
  grpc::ClientContext context_;
  pb::PullRequest request_;
  pb::PullReply reply_;
};

}  // namespace

Subscriber::Subscriber(const Device& device, const PushLedger& ledger)
    : hint_ns(ledger.commit_ns.size(), 0),
      pull_ns(ledger.commit_ns.size(), 0),
      device_(device),
      ledger_(ledger),
      cursors_(ledger.authors) {}

Subscriber::~Subscriber() { Stop(); }

void Subscriber::Start() {
  std::lock_guard<std::mutex> lock(mutex_);
  ++running_;
  stream_ = new Stream(this);
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
    if (!cursor.pulling && cursor.target > cursor.pulled) StartPullLocked(a);
  }
}

void Subscriber::StartPullLocked(std::size_t author) {
  Cursor& cursor = cursors_[author];
  cursor.pulling = true;
  ++running_;
  std::uint64_t device = 0;
  for (const auto& [id, index] : ledger_.index_of) {
    if (index == author) device = id;
  }
  new PullCall(this, author, device, cursor.pulled);
}

void Subscriber::OnPulled(std::size_t author, const pb::PullReply& reply,
                          std::int64_t now) {
  std::lock_guard<std::mutex> lock(mutex_);
  Cursor& cursor = cursors_[author];
  for (const pb::PulledObject& object : reply.objects()) {
    const std::uint64_t seq = object.seq();
    if (seq <= cursor.pulled) {
      ++duplicates;
      continue;
    }
    if (seq != cursor.pulled + 1) ++skipped;
    cursor.pulled = seq;
    if (seq > ledger_.max_seq) continue;
    const std::size_t at = ledger_.At(author, seq);
    if (HashBytes(object.data()) != ledger_.hash[at]) ++mismatched;
    pull_ns[at] = now;
  }
}

void Subscriber::OnPullDone(std::size_t author, const grpc::Status& status) {
  pull_codes.Add(status.error_code());
  std::lock_guard<std::mutex> lock(mutex_);
  Cursor& cursor = cursors_[author];
  cursor.pulling = false;
  if (cursor.target > cursor.pulled && stream_ != nullptr) {
    StartPullLocked(author);
  }
  if (--running_ == 0) idle_.notify_all();
}

void Subscriber::OnStreamDone(const grpc::Status& status) {
  std::lock_guard<std::mutex> lock(mutex_);
  stream_status = status;
  stream_ = nullptr;
  if (--running_ == 0) idle_.notify_all();
}

}  // namespace coven::hub_bench
