// Member-log vectors, part 4: genesis rules (only in slot 1, who may sign
// it, its key id, seq and prev hash, and the anchor an invite or restore
// code names).
#include <gtest/gtest.h>

#include "member_log_vectors.h"

namespace coven::members::testing {
namespace {

const std::vector<Member> kNoMembers;

// GCC warns about fields a designated initializer leaves at their default.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
const Vector kGenesisVectors[] = {
    {.name = "second_genesis",
     .build =
         [](Chain& c) {
           Team(c);
           c.Genesis("eve.d1", "eve", "eve.d1", 9);
         },
     .verdicts = Then(Oks(4), {Denied("a second genesis entry")}),
     .members = TeamMembers()},
    {.name = "genesis_not_first",
     .build =
         [](Chain& c) {
           c.AddMember("alice.d1", "bob", kAdmin, "bob.d1").Genesis();
         },
     .verdicts = {Denied("does not start with a valid genesis"), Blocked()},
     .members = kNoMembers,
     .key = 0,
     .key_count = 0,
     .owners = 0},
    {.name = "garbage_then_genesis",
     .build =
         [](Chain& c) {
           c.Raw({1, 2, 3}).Genesis();
         },
     .verdicts = {Invalid("does not start with"), Blocked()},
     .members = kNoMembers,
     .key = 0,
     .key_count = 0,
     .owners = 0},
    {.name = "genesis_signed_by_member_key",
     .build = [](Chain& c) { c.Genesis("alice", "alice", "alice.d1", 1); },
     .verdicts = {Ok()},
     .members = {{"alice", kOwner, true, {{"alice.d1", true}}}}},
    {.name = "genesis_signed_by_stranger",
     .build =
         [](Chain& c) {
           c.Genesis("mallory.d1", "alice", "alice.d1", 1)
               .AddMember("alice.d1", "bob", kAdmin, "bob.d1");
         },
     .verdicts = {Denied("signed by the first owner's device or member key"),
                  Blocked()},
     .members = kNoMembers,
     .key = 0,
     .key_count = 0,
     .owners = 0},
    {.name = "genesis_device_is_member_key",
     .build = [](Chain& c) { c.Genesis("alice", "alice", "alice", 1); },
     .verdicts = {Invalid("a device key equal to the member key")},
     .members = kNoMembers,
     .key = 0,
     .key_count = 0,
     .owners = 0},
    {.name = "genesis_device_cannot_take_a_sealed_box",
     .build =
         [](Chain& c) {
           c.Genesis("alice", "alice", "alice.d1", 1)
               .Resign([](MemberEntry& e) { e.device = LowOrderKey(); });
         },
     .verdicts = {Invalid("no library key can be sealed to it")},
     .members = kNoMembers,
     .key = 0,
     .key_count = 0,
     .owners = 0},
    {.name = "genesis_member_box_is_low_order",
     .build =
         [](Chain& c) {
           c.Genesis().Resign(
               [](MemberEntry& e) { e.member_box = LowOrderKey(); });
         },
     .verdicts = {Invalid("member sealing key is a low-order X25519 point")},
     .members = kNoMembers,
     .key = 0,
     .key_count = 0,
     .owners = 0},
    {.name = "genesis_zero_key_id",
     .build = [](Chain& c) { c.Genesis("alice.d1", "alice", "alice.d1", 0); },
     .verdicts = {Invalid("a zero key id")},
     .members = kNoMembers,
     .key = 0,
     .key_count = 0,
     .owners = 0},
    {.name = "genesis_wrong_seq",
     .build =
         [](Chain& c) {
           c.Genesis().Resign([](MemberEntry& e) { e.seq = 0; });
         },
     .verdicts = {Broken("says seq 0 but sits in slot 1")},
     .members = kNoMembers,
     .key = 0,
     .key_count = 0,
     .owners = 0},
    {.name = "genesis_nonzero_prev",
     .build =
         [](Chain& c) {
           c.Genesis().Resign([](MemberEntry& e) { e.prev_hash[31] = 1; });
         },
     .verdicts = {Broken("prev hash does not name the entry in slot 0")},
     .members = kNoMembers,
     .key = 0,
     .key_count = 0,
     .owners = 0},
    {.name = "genesis_anchor_match",
     .build = Team,
     .verdicts = Oks(4),
     .members = TeamMembers(),
     .anchor_library = 7},
    {.name = "genesis_anchor_mismatch",
     .build = Team,
     .verdicts = {Denied("not the one the invite or restore code names"),
                  Blocked(), Blocked(), Blocked()},
     .members = kNoMembers,
     .key = 0,
     .key_count = 0,
     .owners = 0,
     .anchor_library = 9},
    // A removed device never comes back, not even with its member.
};
#pragma GCC diagnostic pop

class MemberLogGenesisVectors : public ::testing::TestWithParam<Vector> {};

TEST_P(MemberLogGenesisVectors, Replays) { RunVector(GetParam()); }

INSTANTIATE_TEST_SUITE_P(MemberLog, MemberLogGenesisVectors,
                         ::testing::ValuesIn(kGenesisVectors),
                         [](const ::testing::TestParamInfo<Vector>& info) {
                           return info.param.name;
                         });

}  // namespace
}  // namespace coven::members::testing
