#include "hub_load/idle_phase.h"

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

namespace coven::hub_bench {

namespace {

class Tally {
 public:
  void Opened() {
    std::lock_guard<std::mutex> lock(mutex_);
    ++opened_;
    changed_.notify_all();
  }
  void Ended(const grpc::Status& status, IdleResult* result) {
    result->ended.Add(status.error_code());
    std::lock_guard<std::mutex> lock(mutex_);
    ++ended_;
    changed_.notify_all();
  }
  // Waits until `opened + ended >= n` or `timeout`; returns opened.
  std::size_t WaitSettled(std::size_t n, std::chrono::seconds timeout) {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait_for(lock, timeout, [&] { return opened_ + ended_ >= n; });
    return opened_;
  }
  void WaitEnded(std::size_t n) {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [&] { return ended_ >= n; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::size_t opened_ = 0;
  std::size_t ended_ = 0;
};

class IdleStream final : public grpc::ClientReadReactor<pb::Hint> {
 public:
  IdleStream(const Device& device, Tally* tally, IdleResult* result)
      : tally_(tally), result_(result) {
    Authorize(device, &context_);
    device.stub->async()->Subscribe(&context_, &request_, this);
    StartRead(&hint_);
    StartCall();
  }
  void OnReadDone(bool ok) override {
    if (!ok) return;
    if (!first_seen_) {
      first_seen_ = true;
      tally_->Opened();
    }
    StartRead(&hint_);
  }
  void OnDone(const grpc::Status& status) override {
    tally_->Ended(status, result_);
  }
  void Cancel() { context_.TryCancel(); }

 private:
  Tally* tally_;
  IdleResult* result_;
  grpc::ClientContext context_;
  pb::SubscribeRequest request_;
  pb::Hint hint_;
  bool first_seen_ = false;
};

}  // namespace

void RunIdlePhase(const std::vector<Device*>& devices, std::size_t streams,
                  pid_t hub_pid, IdleResult* result) {
  result->streams = streams;
  // Let the hub settle after setup.
  std::this_thread::sleep_for(std::chrono::seconds(1));
  result->before = ReadMemory(hub_pid);
  Tally tally;
  std::vector<std::unique_ptr<IdleStream>> open;
  const auto start = Clock::now();
  for (std::size_t i = 0; i < streams; ++i) {
    const Device& device = *devices[(i / 4) % devices.size()];
    open.push_back(std::make_unique<IdleStream>(device, &tally, result));
  }
  result->opened = tally.WaitSettled(streams, std::chrono::seconds(60));
  result->open_seconds =
      std::chrono::duration<double>(Clock::now() - start).count();
  std::this_thread::sleep_for(std::chrono::seconds(2));
  result->after = ReadMemory(hub_pid);
  if (result->opened > 0) {
    result->bytes_per_stream = (static_cast<double>(result->after.rss) -
                                static_cast<double>(result->before.rss)) /
                               static_cast<double>(result->opened);
  }
  for (auto& stream : open) stream->Cancel();
  tally.WaitEnded(streams);
  // Every stream's OnDone has run: the reactors may go.
  open.clear();
}

}  // namespace coven::hub_bench
