// libFuzzer target: member-log replay (entry parsing, signatures, links and
// every authorization rule of MemberState).
// Input framing (tests/member_log_builder.h): a mode byte (bit 0: first
// append the fixed genesis FuzzGenesis(), so inputs start past slot 1),
// then slots as a big-endian u16 length and the bytes, at most
// kFuzzMaxSlots. Seeds: fuzz/corpus/member_log/, written by the
// MemberLogCorpus test. Any crash, sanitizer report or broken invariant of
// the log (checked below) is a bug.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "../tests/member_log_builder.h"
#include "members/key_wrap.h"
#include "members/member_entry.h"
#include "members/member_log.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  using namespace coven;
  using namespace coven::members;
  static const Bytes genesis = testing::FuzzGenesis();

  bool prefix = false;
  const std::vector<ByteView> slots =
      testing::UnframeSlots(ByteView(data, size), &prefix);
  MemberLog log;
  if (prefix && !log.Append(genesis).status.ok()) abort();
  // Every slot is also read as a key wrap addressed to a fixed member: the
  // parser must reject garbage cleanly (never crash, never accept a key
  // whose id does not match).
  static const MemberIdentity me =
      MemberIdentity::FromSeed(std::array<std::uint8_t, 32>{7});
  for (ByteView slot : slots) {
    crypto::KeyId claimed{};
    if (slot.size() >= 37) std::copy_n(slot.begin() + 21, 16, claimed.begin());
    Result<UnwrappedKey> unwrapped =
        UnwrapKey(slot, std::array<std::uint8_t, 16>{}, claimed,
                  me.signer().public_key(), me.box());
    if (unwrapped.ok() && unwrapped->key.id() != claimed) abort();
  }
  for (ByteView slot : slots) {
    const Result<MemberEntry> parsed = ParseEntry(slot);
    const std::size_t before_keys = log.current().key_ids().size();
    const SlotVerdict& verdict = log.Append(slot);
    // Accepted entries parse, sit in their slot and link to the previous one.
    if (verdict.status.ok()) {
      if (!parsed.ok() || parsed->seq != verdict.seq) abort();
      if (verdict.link_broken) abort();
    }
    if (verdict.seq != log.size()) abort();
    if (log.head_hash() != EntryHash(slot)) abort();
    const MemberState& now = log.current();
    const MemberState* was = log.StateAt(log.size() - 1);
    if (was == nullptr || now.position() != log.size()) abort();
    if (!verdict.status.ok() && now.key_ids().size() != before_keys) abort();
    // A library with a genesis always keeps an Owner and a current key.
    if (now.has_genesis() && now.ActiveOwners() == 0) abort();
    if (now.has_genesis() && now.current_key_id() != now.key_ids().back()) {
      abort();
    }
    for (const MemberInfo& m : now.Members()) {
      if (!m.active) abort();
    }
  }
  return 0;
}
