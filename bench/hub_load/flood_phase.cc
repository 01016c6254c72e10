#include "hub_load/flood_phase.h"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace coven::hub_bench {

namespace {

class Flood {
 public:
  Flood(const FloodOptions& options, FloodResult* result)
      : options_(options), result_(result) {}

  void Push(Device* device);

  // One push finished: continue (same seq again after a refusal) unless the
  // flood is over.
  void Done(Device* device, std::uint64_t seq, const grpc::Status& status) {
    result_->codes.Add(status.error_code());
    if (status.ok()) {
      device->next_seq = seq + 1;
      stored_ += options_.object_bytes;
    }
    if (!stopping_.load()) {
      Push(device);
      return;
    }
    std::lock_guard<std::mutex> lock(mutex_);
    if (--running_ == 0) idle_.notify_all();
  }

  void Start(const std::vector<Device*>& devices) {
    running_ = devices.size();
    for (Device* device : devices) Push(device);
  }
  void StopAndWait() {
    stopping_ = true;
    std::unique_lock<std::mutex> lock(mutex_);
    idle_.wait(lock, [this] { return running_ == 0; });
  }
  std::uint64_t stored() const { return stored_.load(); }

 private:
  const FloodOptions& options_;
  FloodResult* result_;
  std::atomic<bool> stopping_{false};
  std::atomic<std::uint64_t> stored_{0};
  std::mutex mutex_;
  std::condition_variable idle_;
  std::size_t running_ = 0;
};

class FloodCall final : public grpc::ClientWriteReactor<pb::PushRequest> {
 public:
  FloodCall(Flood* flood, Device* device, std::size_t bytes)
      : flood_(flood), device_(device), seq_(device->next_seq) {
    pb::Object* object = request_.add_objects();
    object->set_path(LogPath(*device, seq_));
    object->set_data(ObjectBytes(device->id, seq_, bytes));
    request_.mutable_head()->set_path(HeadPath(*device));
    request_.mutable_head()->set_data(ObjectBytes(~device->id, seq_, 96));
    Authorize(*device, &context_);
    device->stub->async()->Push(&context_, &reply_, this);
    StartWriteLast(&request_, grpc::WriteOptions());
    StartCall();
  }
  void OnDone(const grpc::Status& status) override {
    Flood* flood = flood_;
    Device* device = device_;
    const std::uint64_t seq = seq_;
    delete this;
    flood->Done(device, seq, status);
  }

 private:
  Flood* flood_;
  Device* device_;
  std::uint64_t seq_;
  grpc::ClientContext context_;
  pb::PushRequest request_;
  pb::PushReply reply_;
};

void Flood::Push(Device* device) {
  new FloodCall(this, device, options_.object_bytes);
}

}  // namespace

void RunFloodPhase(const std::vector<Device*>& devices,
                   const FloodOptions& options, pid_t hub_pid,
                   FloodResult* result) {
  result->streams = devices.size();
  result->object_bytes = options.object_bytes;
  result->before = ReadMemory(hub_pid);
  result->peak_rss = result->before.rss;
  Flood flood(options, result);
  const auto start = Clock::now();
  flood.Start(devices);
  const auto end = start + std::chrono::duration_cast<Clock::duration>(
                               std::chrono::duration<double>(options.seconds));
  while (Clock::now() < end) {
    const Memory now = ReadMemory(hub_pid);
    if (now.rss == 0) {
      result->hub_alive = false;
      break;
    }
    result->peak_rss = std::max(result->peak_rss, now.rss);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  flood.StopAndWait();
  result->seconds = std::chrono::duration<double>(Clock::now() - start).count();
  const Memory after = ReadMemory(hub_pid);
  result->hwm_after = after.hwm;
  result->peak_rss = std::max(result->peak_rss, after.rss);
  result->stored_bytes = flood.stored();
}

}  // namespace coven::hub_bench
