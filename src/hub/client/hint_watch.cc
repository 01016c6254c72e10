#include "hub/client/hint_watch.h"

#include <algorithm>

namespace coven::hub::client {
namespace {

// Reopening a broken stream waits up to this long (full jitter).
constexpr std::int64_t kReopenBaseMs = 100;
constexpr std::int64_t kReopenCapMs = 10'000;

}  // namespace

HintWatch::HintWatch(std::shared_ptr<HubSession> session)
    : session_(std::move(session)),
      clock_(session_->network().clock
                 ? session_->network().clock
                 : std::make_shared<clock::SystemClock>()) {}

HintWatch::~HintWatch() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    if (live_ != nullptr) live_->TryCancel();
  }
  reopen_waker_.Wake();
  if (thread_.joinable()) thread_.join();
}

void HintWatch::Cancel() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    cancelled_ = true;
  }
  waker_.Wake();
}

void HintWatch::Seen(const v1::ListHeadsReply& reply) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const v1::HeadEntry& entry : reply.heads()) {
    std::uint64_t& seq = seen_[entry.device()];
    seq = std::max(seq, entry.log_seq());
  }
  member_epoch_ = std::max(member_epoch_, reply.member_epoch());
}

bool HintWatch::MergeLocked(const v1::Hint& hint, bool first) {
  bool news = false;
  for (const v1::HeadEntry& entry : hint.heads()) {
    std::uint64_t& seq = seen_[entry.device()];
    // The first hint states the heads as they are (news only past what
    // ListHeads saw); a later one is sent because another device pushed,
    // which includes replacing its head without a new object (the head is
    // published after the objects), so it is news whatever its seq.
    const bool grew = entry.log_seq() > seq;
    seq = std::max(seq, entry.log_seq());
    if (entry.device() != session_->own_device() && (grew || !first)) {
      news = true;
    }
  }
  // The first hint of a stream states the member log as it is (news only
  // if it grew since ListHeads); a later one is sent because it grew.
  if (hint.member_epoch() > member_epoch_ ||
      (!first && hint.member_epoch() != 0)) {
    member_epoch_ = std::max(member_epoch_, hint.member_epoch());
    news = true;
  }
  return news;
}

Result<remote::WaitOutcome> HintWatch::Wait(std::int64_t deadline_ms) {
  if (!session_->has_credentials()) return remote::WaitOutcome::kUnsupported;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!started_) {
      started_ = true;
      thread_ = std::thread([this] { Run(); });
    }
  }
  while (true) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (changed_) {
        changed_ = false;
        return remote::WaitOutcome::kChanged;
      }
      if (cancelled_) {
        cancelled_ = false;
        return remote::WaitOutcome::kDeadline;
      }
      if (!connected_ && !broken_.ok()) return broken_;
    }
    if (clock_->NowMillis() >= deadline_ms) {
      return remote::WaitOutcome::kDeadline;
    }
    // Woken by a hint, Cancel, or a stale wake (then the loop looks again).
    clock_->WaitUntil(deadline_ms, waker_);
  }
}

void HintWatch::Run() {
  int failures = 0;
  while (true) {
    Status status = session_->Call(
        "subscribe", true,
        [&](grpc::ClientContext& context) {
          {
            std::lock_guard<std::mutex> lock(mutex_);
            if (stopping_) {
              return grpc::Status(grpc::StatusCode::CANCELLED, "stopping");
            }
            live_ = &context;
          }
          v1::SubscribeRequest request;
          request.set_max_hint_bytes(kMaxHintBytes);
          auto reader = session_->stub().Subscribe(&context, request);
          v1::Hint hint;
          bool first = true;
          while (reader->Read(&hint)) {
            // Kept before the change is signalled: the round it wakes
            // finds them.
            // Only objects of authors the hint names, up to the head it
            // names (what a Pull of that head could return).
            std::map<std::uint64_t, std::uint64_t> named;
            for (const v1::HeadEntry& entry : hint.heads()) {
              named[entry.device()] = entry.log_seq();
            }
            for (const v1::PulledObject& object : hint.objects()) {
              auto head = named.find(object.author());
              if (head == named.end() || object.seq() == 0 ||
                  object.seq() > head->second ||
                  object.author() == session_->own_device() ||
                  object.too_large() || object.continued()) {
                continue;
              }
              hinted_.Keep(object.author(), object.seq(),
                           AsBytes(object.data()));
            }
            bool news = false;
            {
              std::lock_guard<std::mutex> lock(mutex_);
              connected_ = true;
              broken_ = Status::Ok();
              news = MergeLocked(hint, first);
              if (news) changed_ = true;
            }
            first = false;
            failures = 0;
            if (news) waker_.Wake();
          }
          grpc::Status finished = reader->Finish();
          std::lock_guard<std::mutex> lock(mutex_);
          live_ = nullptr;
          connected_ = false;
          return finished;
        },
        nullptr, /*deadline=*/false, /*attempts=*/1);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      connected_ = false;
      if (stopping_) return;
      broken_ = status.ok()
                    ? UnavailableError(session_->describe() +
                                       ": the hub closed the hint stream")
                    : status;
    }
    // A Wait in progress returns the error now, and its caller polls.
    waker_.Wake();
    ++failures;
    const std::int64_t ceiling = std::min<std::int64_t>(
        kReopenCapMs, kReopenBaseMs << std::min(failures, 20));
    const std::int64_t wait_ms =
        ceiling / 2 + static_cast<std::int64_t>(session_->Jitter(
                          static_cast<std::uint64_t>(ceiling / 2) + 1));
    // On the host's clock, like every other wait of the library: a test's
    // manual clock decides when the stream is reopened.
    clock_->WaitUntil(clock_->NowMillis() + wait_ms, reopen_waker_);
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) return;
  }
}

}  // namespace coven::hub::client
