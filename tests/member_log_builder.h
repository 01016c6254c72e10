// A deterministic builder of member-log slots for the vector tests and the
// fuzz seed generator. Actors are named: "alice" is a member (identity from a
// seed derived from the name), "alice.d1" is a device key (also derived from
// its name). Entries are signed by the named actor, numbered and linked like
// an honest appender would (seq = slot, prev_hash = hash of the previous
// slot's bytes, whatever they are); corruption helpers then edit the last
// slot, re-sign it with a changed field, drop it (a hole) or add raw bytes.
#ifndef COVEN_TESTS_MEMBER_LOG_BUILDER_H_
#define COVEN_TESTS_MEMBER_LOG_BUILDER_H_

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "coven/bytes.h"
#include "coven/members.h"
#include "crypto/crypto.h"
#include "members/member_entry.h"
#include "members/member_identity.h"
#include "members/member_log.h"

namespace coven::members::testing {

inline std::array<std::uint8_t, 32> SeedFor(const std::string& name) {
  (void)crypto::EnsureSodium();
  const std::string label = "coven/test-actor/" + name;
  return crypto::Hash(
      "coven/test-seed",
      ByteView(reinterpret_cast<const std::uint8_t*>(label.data()),
               label.size()));
}

/// True for device names ("alice.d1"), false for members ("alice").
inline bool IsDeviceName(const std::string& name) {
  return name.find('.') != std::string::npos;
}

inline MemberIdentity Identity(const std::string& member) {
  return MemberIdentity::FromSeed(SeedFor(member));
}

/// The signing pair of a named actor: a device's key or a member's key.
inline crypto::SigningKeyPair KeyPair(const std::string& name) {
  if (IsDeviceName(name))
    return crypto::SigningKeyPair::FromSeed(SeedFor(name));
  return Identity(name).signer();
}

inline crypto::PublicKey Pub(const std::string& name) {
  return KeyPair(name).public_key();
}

/// A key id whose first byte is `n` (Key(0) is the all-zero id).
inline crypto::KeyId Key(std::uint8_t n) {
  crypto::KeyId id{};
  id[0] = n;
  return id;
}

/// 01 00 .. 00: the Ed25519 identity point and X25519 u = 1, both of low
/// order. No sealed box can be made to it in either reading.
inline crypto::PublicKey LowOrderKey() {
  crypto::PublicKey key{};
  key[0] = 1;
  return key;
}

inline std::array<std::uint8_t, 16> LibraryId(std::uint8_t n) {
  std::array<std::uint8_t, 16> id{};
  id.fill(n);
  return id;
}

class Chain {
 public:
  explicit Chain(std::uint8_t library = 7) : library_(LibraryId(library)) {}

  // --- Entries, each signed by `by` (a member or device name). ---
  Chain& Genesis(const std::string& by, const std::string& owner,
                 const std::string& device, std::uint8_t key) {
    MemberEntry e = Base(EntryType::kGenesis, by);
    const MemberIdentity id = Identity(owner);
    e.member_sign = id.signer().public_key();
    e.member_box = id.box().public_key();
    e.device = Pub(device);
    e.key_id = Key(key);
    return Push(e, by);
  }
  /// The usual first slot: alice (Owner) with device alice.d1 and key 1.
  Chain& Genesis() { return Genesis("alice.d1", "alice", "alice.d1", 1); }
  Chain& AddMember(const std::string& by, const std::string& member,
                   MemberRole role, const std::string& device) {
    MemberEntry e = Base(EntryType::kAddMember, by);
    const MemberIdentity id = Identity(member);
    e.member_sign = id.signer().public_key();
    e.member_box = id.box().public_key();
    e.role = role;
    e.device = Pub(device);
    return Push(e, by);
  }
  /// Cuts every active device of `member` at seq 0 (as a remover that
  /// applied nothing of theirs would); Resign edits them.
  Chain& RemoveMember(const std::string& by, const std::string& member,
                      std::uint8_t key) {
    MemberEntry e = Base(EntryType::kRemoveMember, by);
    e.member_sign = Pub(member);
    e.key_id = Key(key);
    e.cuts = CutsOfMember(e.member_sign);
    return Push(e, by);
  }
  /// Cuts the member's active devices when the role loses writing.
  Chain& ChangeRole(const std::string& by, const std::string& member,
                    MemberRole role) {
    MemberEntry e = Base(EntryType::kChangeRole, by);
    e.member_sign = Pub(member);
    e.role = role;
    const MemberRecord* now = shadow_.current().FindMember(e.member_sign);
    if (now != nullptr && now->role >= MemberRole::Writer &&
        role < MemberRole::Writer) {
      e.cuts = CutsOfMember(e.member_sign);
    }
    return Push(e, by);
  }
  Chain& AddDevice(const std::string& by, const std::string& member,
                   const std::string& device) {
    MemberEntry e = Base(EntryType::kAddDevice, by);
    e.member_sign = Pub(member);
    e.device = Pub(device);
    return Push(e, by);
  }
  /// Rotates to key `key`; 0 picks a fresh key number (200, 201, ...).
  Chain& RemoveDevice(const std::string& by, const std::string& member,
                      const std::string& device, std::uint8_t key = 0) {
    MemberEntry e = Base(EntryType::kRemoveDevice, by);
    e.member_sign = Pub(member);
    e.device = Pub(device);
    e.key_id = Key(key != 0 ? key : next_device_key_++);
    e.cuts = {Cut{e.device, 0, {}}};
    return Push(e, by);
  }
  /// A skip-slot entry for `slot` (1-based), naming the bytes there.
  Chain& SkipSlot(const std::string& by, std::uint64_t slot) {
    MemberEntry e = Base(EntryType::kSkipSlot, by);
    e.skipped_seq = slot;
    e.skipped_hash = EntryHash(slots_.at(slot - 1));
    return Push(e, by);
  }
  Chain& RotateKey(const std::string& by, std::uint8_t key) {
    MemberEntry e = Base(EntryType::kRotateKey, by);
    e.key_id = Key(key);
    return Push(e, by);
  }

  // --- Corruptions of the last slot. ---
  /// Changes fields of the last entry and signs it again (same signer).
  Chain& Resign(const std::function<void(MemberEntry&)>& edit) {
    edit(last_entry_);
    slots_.back() = Encode(last_entry_, last_signer_);
    head_ = EntryHash(slots_.back());
    return Replayed();
  }
  /// Edits the raw bytes of the last slot (no re-signing).
  Chain& EditBytes(const std::function<void(Bytes&)>& edit) {
    edit(slots_.back());
    head_ = EntryHash(slots_.back());
    return Replayed();
  }
  Chain& FlipSignatureBit() {
    return EditBytes([](Bytes& b) { b.back() ^= 0x01; });
  }
  /// Removes the last slot from the log but keeps counting it: the next
  /// entry names its seq+1 and links to its hash (a hole in the chain).
  Chain& Drop() {
    slots_.pop_back();
    return Replayed();
  }
  /// Appends arbitrary bytes as the next slot.
  Chain& Raw(Bytes bytes) {
    shadow_.Append(bytes);
    slots_.push_back(std::move(bytes));
    head_ = EntryHash(slots_.back());
    ++next_seq_;
    return *this;
  }
  /// Copies the bytes of slot `slot` (1-based) into the next slot.
  Chain& Replay(std::size_t slot) { return Raw(slots_.at(slot - 1)); }

  const std::vector<Bytes>& slots() const { return slots_; }
  const Bytes& slot(std::size_t n) const { return slots_.at(n - 1); }
  const std::array<std::uint8_t, 16>& library() const { return library_; }

  /// Appends every slot to `log`.
  void FeedTo(MemberLog& log) const {
    for (const Bytes& s : slots_) log.Append(s);
  }

 private:
  Chain& Replayed() {
    shadow_ = MemberLog();
    for (const Bytes& slot : slots_) shadow_.Append(slot);
    return *this;
  }
  std::vector<Cut> CutsOfMember(const crypto::PublicKey& member) const {
    std::vector<Cut> cuts;
    for (const MemberInfo& info : shadow_.current().Members()) {
      if (info.member_id != MemberIdHex(member)) continue;
      for (const auto& device : info.devices) {
        Bytes key;
        if (!device.active || !HexDecode(device.public_key, &key) ||
            key.size() != 32) {
          continue;
        }
        Cut cut;
        std::copy(key.begin(), key.end(), cut.device.begin());
        cuts.push_back(cut);
      }
    }
    return cuts;
  }
  MemberEntry Base(EntryType type, const std::string& by) const {
    MemberEntry e;
    e.type = type;
    e.library_id = library_;
    e.seq = next_seq_;
    e.prev_hash = head_;
    e.time_ms = 1'700'000'000'000ULL + next_seq_;
    e.signer = Pub(by);
    return e;
  }
  static Bytes Encode(const MemberEntry& e, const std::string& by) {
    crypto::SigningKeyPair pair = KeyPair(by);
    MemberEntry copy = e;
    copy.signer = pair.public_key();
    Result<Bytes> bytes = EncodeEntry(copy, pair);
    return bytes.ok() ? *bytes : Bytes{};
  }
  Chain& Push(const MemberEntry& e, const std::string& by) {
    last_entry_ = e;
    last_signer_ = by;
    return Raw(Encode(e, by));
  }

  std::array<std::uint8_t, 16> library_;
  std::uint64_t next_seq_ = 1;
  crypto::Hash256 head_{};
  std::vector<Bytes> slots_;
  std::uint8_t next_device_key_ = 200;  // RemoveDevice without a key
  MemberLog shadow_;  // the state so far, to name the devices cuts cover
  MemberEntry last_entry_;
  std::string last_signer_;
};

// --- The member_log_fuzz input framing, shared with the seed generator. ---
// byte 0: mode (bit 0 set: the fuzzer first appends FuzzGenesis());
// then slots, each a big-endian u16 length and that many bytes (a short
// last slot takes what is left). At most kFuzzMaxSlots slots are read.
inline constexpr std::size_t kFuzzMaxSlots = 48;

/// The fixed genesis the fuzzer can prefix: Chain().Genesis()'s slot 1.
inline Bytes FuzzGenesis() {
  Chain chain;
  chain.Genesis();
  return chain.slot(1);
}

inline Bytes FrameSlots(const std::vector<Bytes>& slots, bool prefix_genesis) {
  Bytes out{static_cast<std::uint8_t>(prefix_genesis ? 1 : 0)};
  for (const Bytes& s : slots) {
    out.push_back(static_cast<std::uint8_t>(s.size() >> 8));
    out.push_back(static_cast<std::uint8_t>(s.size()));
    out.insert(out.end(), s.begin(), s.end());
  }
  return out;
}

/// Splits a framed input; `*prefix_genesis` gets bit 0 of the mode byte.
inline std::vector<ByteView> UnframeSlots(ByteView in, bool* prefix_genesis) {
  std::vector<ByteView> slots;
  *prefix_genesis = !in.empty() && (in[0] & 1) != 0;
  std::size_t at = in.empty() ? 0 : 1;
  while (in.size() - at >= 2 && slots.size() < kFuzzMaxSlots) {
    std::size_t len = std::size_t{in[at]} << 8 | in[at + 1];
    at += 2;
    len = std::min(len, in.size() - at);
    slots.push_back(in.subspan(at, len));
    at += len;
  }
  return slots;
}

}  // namespace coven::members::testing

#endif  // COVEN_TESTS_MEMBER_LOG_BUILDER_H_
