// Member-log vectors, part 2: links (prev hash, seq, holes, replays), wire
// parsing, signers (removed, revoked, unknown, forged), zero or reused key
// ids and reused keys. Genesis rules: member_log_genesis_vectors_test.cc.
#include <gtest/gtest.h>

#include "member_log_vectors.h"

namespace coven::members::testing {
namespace {

const std::vector<Member> kNoLinkMembers;

// A team followed by rotate-key 2 from alice.d1, edited by `edit`.
std::function<void(Chain&)> TeamThenRotate(
    const std::function<void(Bytes&)>& edit) {
  return [edit](Chain& c) {
    Team(c);
    c.RotateKey("alice.d1", 2).EditBytes(edit);
  };
}

// GCC warns about fields a designated initializer leaves at their default.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
const Vector kLinkVectors[] = {
    {.name = "bad_prev_then_honest_entry",
     .build =
         [](Chain& c) {
           Team(c);
           c.RotateKey("alice.d1", 2)
               .Resign([](MemberEntry& e) { e.prev_hash[0] ^= 1; })
               .SkipSlot("alice.d1", 5)
               .RotateKey("alice.d1", 3);
         },
     .verdicts = Then(Oks(4), {Broken("prev hash does not name the entry in "
                                      "slot 4"),
                               Ok(), Ok()}),
     .members = TeamMembers(),
     .key = 3,
     .key_count = 2},
    {.name = "seqno_skip",
     .build =
         [](Chain& c) {
           Team(c);
           c.RotateKey("alice.d1", 2).Resign([](MemberEntry& e) { e.seq = 6; });
         },
     .verdicts = Then(Oks(4), {Broken("says seq 6 but sits in slot 5")}),
     .members = TeamMembers()},
    {.name = "replayed_entry",
     .build =
         [](Chain& c) {
           Team(c);
           c.RemoveMember("alice.d1", "dave", 2).Replay(2);
         },
     .verdicts = Then(Oks(5), {Broken("says seq 2 but sits in slot 6")}),
     .members = TeamWith("dave",
                         [](Member& m) {
                           m.active = false;
                           m.devices = {{"dave.d1", false}};
                         }),
     .key = 2,
     .key_count = 2},
    {.name = "hole_in_chain",
     .build =
         [](Chain& c) {
           Team(c);
           c.RotateKey("alice.d1", 2)
               .Drop()
               .RotateKey("alice.d1", 3)
               .AddMember("alice.d1", "eve", kReader, "eve.d1");
         },
     .verdicts = Then(Oks(4), {Broken("says seq 6 but sits in slot 5"),
                               Broken("says seq 7 but sits in slot 6")}),
     .members = TeamMembers()},
    {.name = "signed_by_removed_member_key",
     .build =
         [](Chain& c) {
           Team(c);
           c.RemoveMember("alice.d1", "bob", 2).RotateKey("bob", 3);
         },
     .verdicts = Then(Oks(5), {Denied("signed by removed member")}),
     .members = TeamWith("bob",
                         [](Member& m) {
                           m.active = false;
                           m.devices = {{"bob.d1", false}};
                         }),
     .key = 2,
     .key_count = 2},
    {.name = "signed_by_device_of_removed_member",
     .build =
         [](Chain& c) {
           Team(c);
           c.RemoveMember("alice.d1", "bob", 2).RotateKey("bob.d1", 3);
         },
     .verdicts = Then(Oks(5), {Denied("signed by a device of removed member")}),
     .members = TeamWith("bob",
                         [](Member& m) {
                           m.active = false;
                           m.devices = {{"bob.d1", false}};
                         }),
     .key = 2,
     .key_count = 2},
    {.name = "signed_by_revoked_device",
     .build =
         [](Chain& c) {
           Team(c);
           c.AddDevice("bob", "bob", "bob.d2")
               .RemoveDevice("bob.d2", "bob", "bob.d1")
               .RotateKey("bob.d1", 2);
         },
     .verdicts = Then(Oks(6), {Denied("signed by a removed device of member")}),
     .members = TeamWith("bob",
                         [](Member& m) {
                           m.devices = {{"bob.d1", false}, {"bob.d2", true}};
                         }),
     .key = 200,  // the removal rotated the key
     .key_count = 2},
    {.name = "signed_by_unknown_key",
     .build =
         [](Chain& c) {
           Team(c);
           c.RotateKey("mallory.d1", 2);
         },
     .verdicts = Then(Oks(4), {Denied("neither a member nor a device")}),
     .members = TeamMembers()},
    {.name = "forged_signature_then_honest_entry",
     .build =
         [](Chain& c) {
           Team(c);
           c.RotateKey("alice.d1", 2)
               .FlipSignatureBit()
               .SkipSlot("alice.d1", 5)
               .RotateKey("alice.d1", 3);
         },
     .verdicts = Then(Oks(4), {Forged(), Ok(), Ok()}),
     .members = TeamMembers(),
     .key = 3,
     .key_count = 2},
    {.name = "altered_role_byte",
     .build =
         [](Chain& c) {
           Team(c);
           c.ChangeRole("alice.d1", "carol", kAdmin).EditBytes([](Bytes& b) {
             b[106 + 32] = 4;  // Admin -> Owner after signing.
           });
         },
     .verdicts = Then(Oks(4), {Forged()}),
     .members = TeamMembers()},
    {.name = "unknown_entry_type",
     .build = TeamThenRotate([](Bytes& b) { b[5] = 9; }),
     .verdicts = Then(Oks(4), {Invalid("unknown entry type 9")}),
     .members = TeamMembers()},
    {.name = "oversize_entry",
     .build = TeamThenRotate([](Bytes& b) { b.resize(kMaxEntryBytes + 1); }),
     .verdicts = Then(Oks(4), {Invalid("4097 bytes, over the limit of 4096")}),
     .members = TeamMembers()},
    {.name = "truncated_by_one_byte",
     .build = TeamThenRotate([](Bytes& b) { b.pop_back(); }),
     .verdicts = Then(Oks(4), {Invalid("truncated or trailing bytes")}),
     .members = TeamMembers()},
    {.name = "truncated_header",
     .build = TeamThenRotate([](Bytes& b) { b.resize(50); }),
     .verdicts = Then(Oks(4), {Invalid("truncated header")}),
     .members = TeamMembers()},
    {.name = "trailing_bytes",
     .build = TeamThenRotate([](Bytes& b) { b.push_back(0); }),
     .verdicts = Then(Oks(4), {Invalid("truncated or trailing bytes")}),
     .members = TeamMembers()},
    {.name = "bad_magic",
     .build = TeamThenRotate([](Bytes& b) { b[0] = 'X'; }),
     .verdicts = Then(Oks(4), {Invalid("does not start with \"CVML\"")}),
     .members = TeamMembers()},
    {.name = "unknown_version",
     .build = TeamThenRotate([](Bytes& b) { b[4] = 3; }),
     .verdicts = Then(Oks(4), {Invalid("version 3 (this build reads")}),
     .members = TeamMembers()},
    {.name = "wrong_body_size",
     .build = TeamThenRotate([](Bytes& b) { b[105] = 17; }),
     .verdicts = Then(Oks(4), {Invalid("rotate-key body is 17 bytes, "
                                       "expected 16")}),
     .members = TeamMembers()},
    {.name = "invalid_role_byte",
     .build =
         [](Chain& c) {
           Team(c);
           c.AddMember("alice.d1", "eve", kReader, "eve.d1")
               .EditBytes([](Bytes& b) { b[106 + 64] = 5; })
               .ChangeRole("alice.d1", "carol", kAdmin)
               .EditBytes([](Bytes& b) { b[106 + 32] = 0; });
         },
     .verdicts =
         Then(Oks(4), {Invalid("invalid role 5"), Invalid("invalid role 0")}),
     .members = TeamMembers()},
    {.name = "wrong_library_id",
     .build =
         [](Chain& c) {
           Team(c);
           c.RotateKey("alice.d1", 2).Resign([](MemberEntry& e) {
             e.library_id = LibraryId(8);
           });
         },
     .verdicts = Then(Oks(4), {Denied("the entry belongs to another library")}),
     .members = TeamMembers()},
    {.name = "garbage_slot_then_linked_entry",
     .build =
         [](Chain& c) {
           Team(c);
           c.Raw({'j', 'u', 'n', 'k'})
               .SkipSlot("alice.d1", 5)
               .RotateKey("alice.d1", 2);
         },
     .verdicts = Then(Oks(4), {Invalid("does not start with"), Ok(), Ok()}),
     .members = TeamMembers(),
     .key = 2,
     .key_count = 2},
    {.name = "garbage_slot_blocks_until_skipped",
     .build =
         [](Chain& c) {
           Team(c);
           c.Raw({'j', 'u', 'n', 'k'}).RotateKey("alice.d1", 2);
         },
     .verdicts = Then(Oks(4), {Invalid("does not start with"), Blocked()}),
     .members = TeamMembers()},
    {.name = "skip_by_a_writer_or_of_another_slot_is_refused",
     .build =
         [](Chain& c) {
           Team(c);
           c.Raw({'j', 'u', 'n', 'k'})
               .SkipSlot("carol.d1", 5)
               .SkipSlot("alice.d1", 4);
         },
     .verdicts = Then(Oks(4), {Invalid("does not start with"),
                               Denied("cannot skip a member-log slot"),
                               Invalid("does not name the slot blocking")}),
     .members = TeamMembers()},
    {.name = "rotate_zero_key_id",
     .build =
         [](Chain& c) {
           Team(c);
           c.RotateKey("alice.d1", 0);
         },
     .verdicts = Then(Oks(4), {Invalid("a zero key id")}),
     .members = TeamMembers()},
    {.name = "remove_device_reuses_key_id",
     .build =
         [](Chain& c) {
           Team(c);
           c.AddDevice("bob", "bob", "bob.d2")
               .RemoveDevice("bob.d1", "bob", "bob.d2", /*key=*/1);
         },
     .verdicts = Then(Oks(5), {Denied("the new key id was used before")}),
     .members = TeamWith("bob",
                         [](Member& m) {
                           m.devices = {{"bob.d1", true}, {"bob.d2", true}};
                         })},
    {.name = "remove_member_zero_key_id",
     .build =
         [](Chain& c) {
           Team(c);
           c.RemoveMember("alice.d1", "dave", 0);
         },
     .verdicts = Then(Oks(4), {Invalid("a zero key id")}),
     .members = TeamMembers()},
    {.name = "readd_with_old_device_is_refused",
     .build =
         [](Chain& c) {
           Team(c);
           c.RemoveMember("alice.d1", "carol", 2)
               .AddMember("alice.d1", "carol", kWriter, "carol.d1");
         },
     .verdicts = Then(Oks(5), {Denied("a removed device never comes back")}),
     .members = TeamWith("carol",
                         [](Member& m) {
                           m.active = false;
                           m.devices = {{"carol.d1", false}};
                         }),
     .key = 2,
     .key_count = 2},
    {.name = "removed_member_key_as_device",
     .build =
         [](Chain& c) {
           Team(c);
           c.RemoveMember("alice.d1", "carol", 2)
               .AddDevice("dave", "dave", "carol");
         },
     .verdicts = Then(Oks(5), {Denied("signing key cannot also be a device")}),
     .members = TeamWith("carol",
                         [](Member& m) {
                           m.active = false;
                           m.devices = {{"carol.d1", false}};
                         }),
     .key = 2,
     .key_count = 2},
    // A removed member's device cannot be registered to a new member.
    {.name = "removed_device_reused_by_new_member_is_refused",
     .build =
         [](Chain& c) {
           Team(c);
           c.RemoveMember("alice.d1", "carol", 2)
               .AddMember("alice.d1", "eve", kReader, "carol.d1");
         },
     .verdicts = Then(Oks(5), {Denied("a removed device never comes back")}),
     .members = TeamWith("carol",
                         [](Member& m) {
                           m.active = false;
                           m.devices = {{"carol.d1", false}};
                         }),
     .key = 2,
     .key_count = 2},
    // Library keys are sealed to every device and member (members.md §6):
    // a key that cannot take a sealed box would make every rotation fail.
    {.name = "added_device_cannot_take_a_sealed_box",
     .build =
         [](Chain& c) {
           Team(c);
           c.AddDevice("bob", "bob", "bob.d2").Resign([](MemberEntry& e) {
             e.device = LowOrderKey();
           });
         },
     .verdicts = Then(Oks(4), {Invalid("no library key can be sealed to it")}),
     .members = TeamMembers()},
    {.name = "new_member_device_cannot_take_a_sealed_box",
     .build =
         [](Chain& c) {
           Team(c);
           c.AddMember("alice.d1", "eve", kReader, "eve.d1")
               .Resign([](MemberEntry& e) { e.device = LowOrderKey(); });
         },
     .verdicts = Then(Oks(4), {Invalid("no library key can be sealed to it")}),
     .members = TeamMembers()},
    {.name = "new_member_box_is_low_order",
     .build =
         [](Chain& c) {
           Team(c);
           c.AddMember("alice.d1", "eve", kReader, "eve.d1")
               .Resign([](MemberEntry& e) { e.member_box = LowOrderKey(); });
         },
     .verdicts =
         Then(Oks(4), {Invalid("member sealing key is a low-order X25519")}),
     .members = TeamMembers()},
};
#pragma GCC diagnostic pop

class MemberLogLinkVectors : public ::testing::TestWithParam<Vector> {};

TEST_P(MemberLogLinkVectors, Replays) { RunVector(GetParam()); }

INSTANTIATE_TEST_SUITE_P(MemberLog, MemberLogLinkVectors,
                         ::testing::ValuesIn(kLinkVectors),
                         [](const ::testing::TestParamInfo<Vector>& info) {
                           return info.param.name;
                         });

}  // namespace
}  // namespace coven::members::testing
