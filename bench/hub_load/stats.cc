#include "hub_load/stats.h"

#include <algorithm>
#include <cstring>

namespace coven::hub_bench {

namespace {

std::uint64_t SplitMix(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

}  // namespace

Percentiles Summarize(std::vector<std::int64_t> ns) {
  Percentiles p;
  p.count = ns.size();
  if (ns.empty()) return p;
  std::sort(ns.begin(), ns.end());
  auto at = [&](double q) {
    std::size_t i =
        static_cast<std::size_t>(q * static_cast<double>(ns.size()));
    if (i >= ns.size()) i = ns.size() - 1;
    return static_cast<double>(ns[i]) / 1e6;
  };
  p.p50 = at(0.50);
  p.p90 = at(0.90);
  p.p99 = at(0.99);
  p.p999 = at(0.999);
  p.max = static_cast<double>(ns.back()) / 1e6;
  return p;
}

const char* CodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "OK";
    case grpc::StatusCode::CANCELLED:
      return "CANCELLED";
    case grpc::StatusCode::UNKNOWN:
      return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND:
      return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PERMISSION_DENIED";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "UNAUTHENTICATED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED:
      return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE:
      return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL:
      return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS:
      return "DATA_LOSS";
    default:
      return "OTHER";
  }
}

void CodeCounts::Add(grpc::StatusCode code) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++counts_[code];
}

std::map<std::string, std::uint64_t> CodeCounts::Get() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::map<std::string, std::uint64_t> out;
  for (const auto& [code, n] : counts_) out[CodeName(code)] += n;
  return out;
}

std::uint64_t CodeCounts::Count(grpc::StatusCode code) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = counts_.find(code);
  return found == counts_.end() ? 0 : found->second;
}

std::string CodeCounts::Text() const {
  std::string out;
  for (const auto& [name, n] : Get()) {
    if (!out.empty()) out += " ";
    out += name + "=" + std::to_string(n);
  }
  return out.empty() ? "none" : out;
}

std::uint64_t HashBytes(const std::string& bytes) {
  std::uint64_t h = 0x243f6a8885a308d3ull ^ bytes.size();
  std::size_t i = 0;
  for (; i + 8 <= bytes.size(); i += 8) {
    std::uint64_t word;
    std::memcpy(&word, bytes.data() + i, 8);
    h = (h ^ word) * 0x9fb21c651e98df25ull;
    h ^= h >> 29;
  }
  for (; i < bytes.size(); ++i) {
    h = (h ^ static_cast<std::uint8_t>(bytes[i])) * 0x100000001b3ull;
  }
  return h ^ (h >> 32);
}

std::string ObjectBytes(std::uint64_t device, std::uint64_t seq,
                        std::size_t size) {
  std::string out(size, '\0');
  std::uint64_t state = device * 0x100000001b3ull ^ seq;
  std::size_t i = 0;
  for (; i + 8 <= size; i += 8) {
    const std::uint64_t word = SplitMix(state);
    std::memcpy(out.data() + i, &word, 8);
  }
  for (; i < size; ++i) out[i] = static_cast<char>(SplitMix(state));
  return out;
}

}  // namespace coven::hub_bench
