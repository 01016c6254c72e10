// Table-driven member-log vectors (in the spirit of Keybase's team-chain
// vectors): a row names the slots (built with testing::Chain), the expected
// verdict of every slot and the expected final state. RunVector replays the
// slots into a MemberLog and checks all of it, plus the invariant that a
// rejected slot leaves the state unchanged.
#ifndef COVEN_TESTS_MEMBER_LOG_VECTORS_H_
#define COVEN_TESTS_MEMBER_LOG_VECTORS_H_

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "member_log_builder.h"

namespace coven::members::testing {

inline constexpr MemberRole kReader = MemberRole::Reader;
inline constexpr MemberRole kWriter = MemberRole::Writer;
inline constexpr MemberRole kAdmin = MemberRole::Admin;
inline constexpr MemberRole kOwner = MemberRole::Owner;

/// The expected verdict of one slot.
struct Verdict {
  StatusCode code = StatusCode::kOk;
  std::string reason;  ///< A substring of the status message.
  bool link_broken = false;
};
inline Verdict Ok() { return {}; }
inline Verdict Denied(std::string reason) {
  return {StatusCode::kPermissionDenied, std::move(reason)};
}
inline Verdict Invalid(std::string reason) {
  return {StatusCode::kInvalidArgument, std::move(reason)};
}
inline Verdict Broken(std::string reason) {
  return {StatusCode::kInvalidArgument, std::move(reason), true};
}
/// A slot after one that does not verify, before a skip-slot entry.
inline Verdict Blocked() {
  return {StatusCode::kFailedPrecondition, "the member log is blocked at slot"};
}
inline Verdict Forged() {
  return {StatusCode::kUnauthenticated, "signature does not verify"};
}
inline std::vector<Verdict> Oks(std::size_t n) {
  return std::vector<Verdict>(n, Ok());
}
inline std::vector<Verdict> Then(std::vector<Verdict> a,
                                 const std::vector<Verdict>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

/// One member of the expected final state (active and removed members).
struct Member {
  std::string name;
  MemberRole role;
  bool active;
  std::vector<std::pair<std::string, bool>> devices;  ///< name, active.
};

struct Vector {
  std::string name;
  std::function<void(Chain&)> build;
  std::vector<Verdict> verdicts;
  std::vector<Member> members;
  std::uint8_t key = 1;       ///< Current key id is Key(key).
  std::size_t key_count = 1;  ///< key_ids().size().
  std::size_t owners = 1;
  /// Anchor the log to the standard genesis of Chain(library).
  std::optional<std::uint8_t> anchor_library;
};

inline void PrintTo(const Vector& v, std::ostream* os) { *os << v.name; }

/// A text summary of a state (members, roles, devices, keys) for equality.
inline std::string Summary(const MemberState& s) {
  std::string out = "key " + HexEncode(s.current_key_id()) + " keys " +
                    std::to_string(s.key_ids().size()) + "\n";
  for (const MemberInfo& m : s.Members(true)) {
    out += m.member_id + " " + std::string(RoleName(m.role)) +
           (m.active ? " active" : " removed");
    for (const DeviceInfo& d : m.devices) {
      out += " " + d.device_id + (d.active ? "+" : "-");
    }
    out += "\n";
  }
  return out;
}

inline void ExpectState(const MemberState& s, const std::vector<Member>& want,
                        std::uint8_t key, std::size_t key_count,
                        std::size_t owners) {
  EXPECT_EQ(s.current_key_id(), Key(key));
  EXPECT_EQ(s.key_ids().size(), key_count);
  EXPECT_EQ(s.ActiveOwners(), owners);
  const std::vector<MemberInfo> all = s.Members(true);
  EXPECT_EQ(all.size(), want.size()) << Summary(s);
  for (const Member& m : want) {
    SCOPED_TRACE("member " + m.name);
    const MemberRecord* record = s.FindMember(Pub(m.name));
    ASSERT_NE(record, nullptr);
    EXPECT_EQ(record->role, m.role);
    EXPECT_EQ(record->active, m.active);
    for (const auto& [device, active] : m.devices) {
      const DeviceRecord* d = s.FindDevice(Pub(device));
      ASSERT_NE(d, nullptr) << device;
      EXPECT_EQ(d->member, Pub(m.name)) << device;
      EXPECT_EQ(d->active, active) << device;
    }
    for (const MemberInfo& info : all) {
      if (info.member_id == MemberIdHex(Pub(m.name))) {
        EXPECT_EQ(info.devices.size(), m.devices.size());
      }
    }
  }
}

inline void RunVector(const Vector& v) {
  Chain chain;
  v.build(chain);
  std::optional<crypto::Hash256> anchor;
  if (v.anchor_library) {
    Chain other(*v.anchor_library);
    other.Genesis();
    anchor = EntryHash(other.slot(1));
  }
  MemberLog log(anchor);
  chain.FeedTo(log);
  ASSERT_EQ(log.verdicts().size(), v.verdicts.size());
  EXPECT_EQ(log.size(), v.verdicts.size());
  for (std::size_t i = 0; i < v.verdicts.size(); ++i) {
    SCOPED_TRACE("slot " + std::to_string(i + 1));
    const SlotVerdict& got = log.verdicts()[i];
    const Verdict& want = v.verdicts[i];
    EXPECT_EQ(got.seq, i + 1);
    EXPECT_EQ(got.status.code(), want.code) << got.status.message();
    EXPECT_THAT(got.status.message(), ::testing::HasSubstr(want.reason));
    EXPECT_EQ(got.link_broken, want.link_broken);
    EXPECT_EQ(log.slot_hashes()[i], EntryHash(chain.slot(i + 1)));
    if (!got.status.ok()) {
      EXPECT_EQ(Summary(*log.StateAt(i + 1)), Summary(*log.StateAt(i)))
          << "a rejected slot changed the state";
    }
    EXPECT_EQ(log.StateAt(i + 1)->position(), i + 1);
  }
  ExpectState(log.current(), v.members, v.key, v.key_count, v.owners);
}

// --- Common prefixes. ---

/// Slots 1-4: alice (Owner, alice.d1) adds bob Admin (bob.d1), carol Writer
/// (carol.d1) and dave Reader (dave.d1).
inline void Team(Chain& c) {
  c.Genesis()
      .AddMember("alice.d1", "bob", kAdmin, "bob.d1")
      .AddMember("alice.d1", "carol", kWriter, "carol.d1")
      .AddMember("alice.d1", "dave", kReader, "dave.d1");
}
inline std::vector<Member> TeamMembers() {
  return {{"alice", kOwner, true, {{"alice.d1", true}}},
          {"bob", kAdmin, true, {{"bob.d1", true}}},
          {"carol", kWriter, true, {{"carol.d1", true}}},
          {"dave", kReader, true, {{"dave.d1", true}}}};
}
/// TeamMembers() with `name` changed by `edit`.
inline std::vector<Member> TeamWith(const std::string& name,
                                    const std::function<void(Member&)>& edit) {
  std::vector<Member> out = TeamMembers();
  for (Member& m : out) {
    if (m.name == name) edit(m);
  }
  return out;
}

}  // namespace coven::members::testing

#endif  // COVEN_TESTS_MEMBER_LOG_VECTORS_H_
