// The bench's space: a member log admitting every bench device (alice, an
// Owner, with devices alice.d1 ... alice.dN), each device registered with
// the hub and holding its token, and the channels the devices share.
#ifndef COVEN_BENCH_HUB_LOAD_DEVICES_H_
#define COVEN_BENCH_HUB_LOAD_DEVICES_H_

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "coven/hub/v1/hub.grpc.pb.h"
#include "coven/status.h"

namespace coven::hub_bench {

namespace pb = ::coven::hub::v1;

struct Device {
  std::string name;  ///< "alice.d7"
  std::uint64_t id = 0;
  std::string hex;             ///< 16 hex digits
  std::string token;           ///< for "coven-token-bin"
  std::uint64_t next_seq = 1;  ///< the next seq of its log
  pb::Hub::Stub* stub = nullptr;
};

struct Space {
  std::string name;
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  std::vector<std::unique_ptr<pb::Hub::Stub>> stubs;
  std::vector<Device> devices;
};

/// Opens `channels` separate connections to `target`.
void OpenChannels(const std::string& target, int channels, Space* space);

/// Founds `space->name` with alice.d1, appends the member log admitting
/// `devices` devices and registers every one (device i on channel i mod n).
Status SetUpSpace(int devices, Space* space);

/// Adds the token of `device` to `context`.
void Authorize(const Device& device, grpc::ClientContext* context);

std::string LogPath(const Device& device, std::uint64_t seq);
std::string HeadPath(const Device& device);

}  // namespace coven::hub_bench

#endif  // COVEN_BENCH_HUB_LOAD_DEVICES_H_
