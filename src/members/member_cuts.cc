// MemberState: cuts, the rule that ends a device's right to write at a
// fixed point of its own chain (docs/format/members.md §5).
#include <algorithm>

#include "coven/hlc.h"
#include "members/member_state.h"

namespace coven::members {

namespace {

bool IsZeroHash(const crypto::Hash256& hash) {
  return std::all_of(hash.begin(), hash.end(), [](auto b) { return b == 0; });
}

std::string DeviceText(const crypto::PublicKey& device) {
  return "device " + DeviceIdToHex(crypto::DeviceIdFor(device));
}

}  // namespace

std::vector<crypto::PublicKey> MemberState::ActiveDevicesOf(
    const crypto::PublicKey& member) const {
  std::vector<crypto::PublicKey> out;
  for (const auto& [key, device] : devices_) {
    if (device.member == member && device.active) out.push_back(key);
  }
  return out;
}

Status MemberState::CheckCutsCover(
    const MemberEntry& e, const std::vector<crypto::PublicKey>& devices) const {
  for (const crypto::PublicKey& device : devices) {
    const bool named =
        std::any_of(e.cuts.begin(), e.cuts.end(),
                    [&](const Cut& c) { return c.device == device; });
    if (!named) {
      return InvalidArgumentError(
          "it takes the right to write from " + DeviceText(device) +
          " without a cut for it (where its accepted writes end)");
    }
  }
  if (e.cuts.size() != devices.size()) {
    return InvalidArgumentError(
        "it cuts a device whose right to write it does not take");
  }
  return Status::Ok();
}

void MemberState::RecordCuts(const MemberEntry& e) {
  for (const Cut& cut : e.cuts) {
    cuts_[cut.device].push_back(CutRecord{position_ + 1, cut.seq, cut.hash});
  }
}

const std::vector<CutRecord>& MemberState::CutsOf(
    const crypto::PublicKey& device) const {
  static const std::vector<CutRecord> kNone;
  auto it = cuts_.find(device);
  return it == cuts_.end() ? kNone : it->second;
}

Status MemberState::CheckCuts(const crypto::PublicKey& device,
                              std::uint64_t seq, std::uint64_t member_seq,
                              const crypto::Hash256& object_hash) const {
  for (const CutRecord& cut : CutsOf(device)) {
    if (seq == cut.seq && !IsZeroHash(cut.hash) && object_hash != cut.hash) {
      return PermissionDeniedError(
          "it is not the object at seq " + std::to_string(seq) +
          " that the member-log entry at slot " + std::to_string(cut.slot) +
          " accepted as that device's last (a second history of its author)");
    }
    // Past a cut, an object must name the cutting slot or a later one;
    // there the author's role decides (a Reader or a removed device is
    // refused by AuthorizeWrite). Naming an earlier slot is a backdated
    // write made after the right to write ended.
    if (seq > cut.seq && member_seq < cut.slot) {
      return PermissionDeniedError(
          "it was written after its author's right to write ended at "
          "member-log slot " +
          std::to_string(cut.slot) + " (accepted writes end at seq " +
          std::to_string(cut.seq) + "), yet names the earlier position " +
          std::to_string(member_seq) + ": a write by a removed or demoted " +
          "member, rejected on every device");
    }
  }
  return Status::Ok();
}

std::optional<std::uint64_t> MemberState::WriteLimit(
    const crypto::PublicKey& device) const {
  const std::vector<CutRecord>& cuts = CutsOf(device);
  if (cuts.empty() || AuthorizeWrite(device).ok()) return std::nullopt;
  return cuts.back().seq;
}

}  // namespace coven::members
