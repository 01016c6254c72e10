#include "hub_load/push_phase.h"

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

namespace coven::hub_bench {

namespace {

struct DeviceRun {
  Device* device = nullptr;
  std::size_t author = 0;
  std::mutex mutex;
  bool in_flight = false;
  std::deque<std::int64_t> due;  // pushes due but not sent yet
  std::uint64_t next_seq = 1;
  std::uint64_t started = 0;
};

class Run {
 public:
  Run(const PushPhaseOptions& options, PushLedger* ledger,
      PushPhaseResult* result, std::uint64_t total)
      : options_(options), ledger_(ledger), result_(result), total_(total) {
    latencies_.reserve(total);
  }

  void Dispatch(DeviceRun* d, std::int64_t due) {
    std::unique_lock<std::mutex> lock(d->mutex);
    if (d->in_flight) {
      d->due.push_back(due);
      return;
    }
    d->in_flight = true;
    ++d->started;
    const std::uint64_t seq = d->next_seq;
    lock.unlock();
    Send(d, seq, due);
  }

  void Done(DeviceRun* d, std::uint64_t seq, std::int64_t due,
            const grpc::Status& status, std::int64_t now) {
    result_->codes.Add(status.error_code());
    std::unique_lock<std::mutex> lock(d->mutex);
    if (status.ok()) {
      if (seq <= ledger_->max_seq)
        ledger_->commit_ns[ledger_->At(d->author, seq)] = now;
      d->next_seq = seq + 1;
    }
    bool again = false;
    std::int64_t next_due = now;
    if (!d->due.empty()) {
      next_due = d->due.front();
      d->due.pop_front();
      again = true;
    } else if (options_.rate <= 0 && d->started < options_.pushes_per_device) {
      again = true;
    }
    if (again) {
      ++d->started;
    } else {
      d->in_flight = false;
    }
    const std::uint64_t next_seq = d->next_seq;
    lock.unlock();
    {
      std::lock_guard<std::mutex> done_lock(mutex_);
      latencies_.push_back(now - due);
      if (status.ok()) ++acknowledged_;
      last_reply_ns_ = std::max(last_reply_ns_, now);
      if (++finished_ == total_) all_done_.notify_all();
    }
    if (again) Send(d, next_seq, next_due);
  }

  void Wait() {
    std::unique_lock<std::mutex> lock(mutex_);
    all_done_.wait(lock, [this] { return finished_ == total_; });
  }

  std::vector<std::int64_t> latencies_;
  std::uint64_t acknowledged_ = 0;
  std::int64_t last_reply_ns_ = 0;

 private:
  void Send(DeviceRun* d, std::uint64_t seq, std::int64_t due);

  const PushPhaseOptions& options_;
  PushLedger* ledger_;
  PushPhaseResult* result_;
  const std::uint64_t total_;
  std::mutex mutex_;
  std::condition_variable all_done_;
  std::uint64_t finished_ = 0;
};

class PushCall final : public grpc::ClientWriteReactor<pb::PushRequest> {
 public:
  PushCall(Run* run, DeviceRun* d, std::uint64_t seq, std::int64_t due,
           std::size_t bytes)
      : run_(run), d_(d), seq_(seq), due_(due) {
    pb::Object* object = request_.add_objects();
    object->set_path(LogPath(*d->device, seq));
    object->set_data(ObjectBytes(d->device->id, seq, bytes));
    request_.mutable_head()->set_path(HeadPath(*d->device));
    request_.mutable_head()->set_data(ObjectBytes(~d->device->id, seq, 96));
    Authorize(*d->device, &context_);
    d->device->stub->async()->Push(&context_, &reply_, this);
    StartWriteLast(&request_, grpc::WriteOptions());
    StartCall();
  }
  void OnDone(const grpc::Status& status) override {
    run_->Done(d_, seq_, due_, status, NowNs());
    delete this;
  }

 private:
  Run* run_;
  DeviceRun* d_;
  std::uint64_t seq_;
  std::int64_t due_;
  grpc::ClientContext context_;
  pb::PushRequest request_;
  pb::PushReply reply_;
};

void Run::Send(DeviceRun* d, std::uint64_t seq, std::int64_t due) {
  new PushCall(this, d, seq, due, options_.object_bytes);
}

}  // namespace

void RunPushPhase(std::vector<Device*> pushers, const PushPhaseOptions& options,
                  PushLedger* ledger, PushPhaseResult* result) {
  const std::uint64_t per = options.pushes_per_device;
  const std::uint64_t total = per * pushers.size();
  // The bytes each push will carry, hashed up front (the audit's reference).
  std::vector<std::unique_ptr<DeviceRun>> runs;
  for (std::size_t a = 0; a < pushers.size(); ++a) {
    auto d = std::make_unique<DeviceRun>();
    d->device = pushers[a];
    d->author = ledger->index_of.at(pushers[a]->id);
    d->next_seq = pushers[a]->next_seq;
    for (std::uint64_t s = d->next_seq;
         s < d->next_seq + per && s <= ledger->max_seq; ++s) {
      ledger->hash[ledger->At(d->author, s)] =
          HashBytes(ObjectBytes(pushers[a]->id, s, options.object_bytes));
    }
    runs.push_back(std::move(d));
  }
  Run run(options, ledger, result, total);
  const std::int64_t start = NowNs() + 20'000'000;
  if (options.rate > 0) {
    const double interval_ns = 1e9 / options.rate;
    for (std::uint64_t i = 0; i < total; ++i) {
      const std::int64_t due =
          start +
          static_cast<std::int64_t>(static_cast<double>(i) * interval_ns);
      const std::int64_t wait = due - NowNs();
      if (wait > 50'000) {
        std::this_thread::sleep_for(std::chrono::nanoseconds(wait));
      }
      run.Dispatch(runs[i % runs.size()].get(), due);
    }
  } else {
    std::this_thread::sleep_until(
        Clock::time_point(std::chrono::nanoseconds(start)));
    for (auto& d : runs) run.Dispatch(d.get(), NowNs());
  }
  run.Wait();
  for (auto& d : runs) d->device->next_seq = d->next_seq;
  result->rate = options.rate;
  result->offered = total;
  result->acknowledged = run.acknowledged_;
  result->start_ns = start;
  result->end_ns = run.last_reply_ns_;
  result->seconds = static_cast<double>(run.last_reply_ns_ - start) / 1e9;
  result->objects_per_s =
      result->seconds > 0
          ? static_cast<double>(run.acknowledged_) / result->seconds
          : 0;
  result->push = Summarize(std::move(run.latencies_));
}

}  // namespace coven::hub_bench
