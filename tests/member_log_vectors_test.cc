// Member-log vectors, part 1: roles and authorization (who may add, remove,
// re-role, manage devices and rotate keys). Part 2 (link, parse, signer and
// genesis vectors) is member_log_link_vectors_test.cc.
#include "member_log_vectors.h"

#include <gtest/gtest.h>

namespace coven::members::testing {
namespace {

// GCC warns about fields a designated initializer leaves at their default.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
const Vector kRoleVectors[] = {
    {.name = "team_of_four",
     .build = Team,
     .verdicts = Oks(4),
     .members = TeamMembers()},
    {.name = "admin_promotes_self",
     .build =
         [](Chain& c) {
           Team(c);
           c.ChangeRole("bob.d1", "bob", kOwner);
         },
     .verdicts = Then(Oks(4), {Denied("self-promotion")}),
     .members = TeamMembers()},
    {.name = "writer_promotes_self",
     .build =
         [](Chain& c) {
           Team(c);
           c.ChangeRole("carol.d1", "carol", kAdmin);
         },
     .verdicts = Then(Oks(4), {Denied("self-promotion")}),
     .members = TeamMembers()},
    {.name = "writer_tries_to_admin_add",
     .build =
         [](Chain& c) {
           Team(c);
           c.AddMember("carol.d1", "eve", kReader, "eve.d1");
         },
     .verdicts = Then(Oks(4), {Denied("a writer cannot add members")}),
     .members = TeamMembers()},
    {.name = "writer_tries_to_admin_remove",
     .build =
         [](Chain& c) {
           Team(c);
           c.RemoveMember("carol.d1", "dave", 2);
         },
     .verdicts = Then(Oks(4), {Denied("a writer cannot remove members")}),
     .members = TeamMembers()},
    {.name = "writer_tries_to_admin_role",
     .build =
         [](Chain& c) {
           Team(c);
           c.ChangeRole("carol.d1", "dave", kWriter);
         },
     .verdicts = Then(Oks(4), {Denied("a writer cannot change roles")}),
     .members = TeamMembers()},
    {.name = "reader_adds_member",
     .build =
         [](Chain& c) {
           Team(c);
           c.AddMember("dave.d1", "eve", kReader, "eve.d1");
         },
     .verdicts = Then(Oks(4), {Denied("a reader cannot add members")}),
     .members = TeamMembers()},
    {.name = "admin_demotes_owner",
     .build =
         [](Chain& c) {
           Team(c);
           c.ChangeRole("bob.d1", "alice", kAdmin);
         },
     .verdicts = Then(Oks(4), {Denied("only an Owner can change an Owner's")}),
     .members = TeamMembers()},
    {.name = "admin_makes_owner",
     .build =
         [](Chain& c) {
           Team(c);
           c.ChangeRole("bob.d1", "carol", kOwner);
         },
     .verdicts = Then(Oks(4), {Denied("or make an Owner")}),
     .members = TeamMembers()},
    {.name = "admin_adds_owner",
     .build =
         [](Chain& c) {
           Team(c);
           c.AddMember("bob.d1", "eve", kOwner, "eve.d1");
         },
     .verdicts = Then(Oks(4), {Denied("only an Owner can add an Owner")}),
     .members = TeamMembers()},
    {.name = "admin_removes_owner",
     .build =
         [](Chain& c) {
           Team(c);
           c.RemoveMember("bob.d1", "alice", 2);
         },
     .verdicts = Then(Oks(4), {Denied("only an Owner can remove an Owner")}),
     .members = TeamMembers()},
    {.name = "admin_adds_admin_and_promotes_writer",
     .build =
         [](Chain& c) {
           Team(c);
           c.AddMember("bob.d1", "eve", kAdmin, "eve.d1")
               .ChangeRole("bob.d1", "carol", kAdmin);
         },
     .verdicts = Oks(6),
     .members =
         [] {
           auto m = TeamWith("carol", [](Member& x) { x.role = kAdmin; });
           m.push_back({"eve", kAdmin, true, {{"eve.d1", true}}});
           return m;
         }()},
    {.name = "owner_removes_admin",
     .build =
         [](Chain& c) {
           Team(c);
           c.RemoveMember("alice.d1", "bob", 2);
         },
     .verdicts = Oks(5),
     .members = TeamWith("bob",
                         [](Member& m) {
                           m.active = false;
                           m.devices = {{"bob.d1", false}};
                         }),
     .key = 2,
     .key_count = 2},
    {.name = "admin_removes_writer_with_member_key",
     .build =
         [](Chain& c) {
           Team(c);
           c.RemoveMember("bob", "carol", 3);
         },
     .verdicts = Oks(5),
     .members = TeamWith("carol",
                         [](Member& m) {
                           m.active = false;
                           m.devices = {{"carol.d1", false}};
                         }),
     .key = 3,
     .key_count = 2},
    {.name = "member_removes_self",
     .build =
         [](Chain& c) {
           Team(c);
           c.RemoveMember("bob.d1", "bob", 2);
         },
     .verdicts = Then(Oks(4), {Denied("cannot remove itself")}),
     .members = TeamMembers()},
    {.name = "last_owner_removes_self",
     .build =
         [](Chain& c) { c.Genesis().RemoveMember("alice.d1", "alice", 2); },
     .verdicts = {Ok(), Denied("cannot remove itself")},
     .members = {{"alice", kOwner, true, {{"alice.d1", true}}}}},
    {.name = "last_owner_demotes_self",
     .build =
         [](Chain& c) {
           Team(c);
           c.ChangeRole("alice.d1", "alice", kAdmin);
         },
     .verdicts = Then(Oks(4), {Denied("without an Owner")}),
     .members = TeamMembers()},
    {.name = "one_of_two_owners_demotes_self",
     .build =
         [](Chain& c) {
           Team(c);
           c.ChangeRole("alice.d1", "bob", kOwner)
               .ChangeRole("alice.d1", "alice", kWriter)
               .ChangeRole("bob.d1", "bob", kAdmin);
         },
     .verdicts = Then(Oks(6), {Denied("without an Owner")}),
     .members =
         [] {
           auto m = TeamWith("alice", [](Member& x) { x.role = kWriter; });
           m[1].role = kOwner;
           return m;
         }()},
    {.name = "owner_demotes_other_owner",
     .build =
         [](Chain& c) {
           Team(c);
           c.ChangeRole("alice.d1", "bob", kOwner)
               .ChangeRole("bob.d1", "alice", kReader);
         },
     .verdicts = Oks(6),
     .members =
         [] {
           auto m = TeamWith("alice", [](Member& x) { x.role = kReader; });
           m[1].role = kOwner;
           return m;
         }()},
    {.name = "admin_demotes_self",
     .build =
         [](Chain& c) {
           Team(c);
           c.ChangeRole("bob.d1", "bob", kWriter);
         },
     .verdicts = Oks(5),
     .members = TeamWith("bob", [](Member& m) { m.role = kWriter; })},
    {.name = "same_role",
     .build =
         [](Chain& c) {
           Team(c);
           c.ChangeRole("alice.d1", "carol", kWriter);
         },
     .verdicts = Then(Oks(4), {Denied("already has the role writer")}),
     .members = TeamMembers()},
    {.name = "add_active_member_again",
     .build =
         [](Chain& c) {
           Team(c);
           c.AddMember("alice.d1", "carol", kAdmin, "carol.d2");
         },
     .verdicts = Then(Oks(4), {Denied("is already a member")}),
     .members = TeamMembers()},
    {.name = "remove_non_member",
     .build =
         [](Chain& c) {
           Team(c);
           c.RemoveMember("alice.d1", "eve", 2);
         },
     .verdicts = Then(Oks(4), {Denied("is not a member")}),
     .members = TeamMembers()},
    {.name = "writer_adds_own_device_and_removes_old",
     .build =
         [](Chain& c) {
           Team(c);
           c.AddDevice("carol", "carol", "carol.d2")
               .RemoveDevice("carol.d2", "carol", "carol.d1");
         },
     .verdicts = Oks(6),
     .members =
         TeamWith("carol",
                  [](Member& m) {
                    m.devices = {{"carol.d1", false}, {"carol.d2", true}};
                  }),
     .key = 200,  // removing a device rotates the key
     .key_count = 2},
    {.name = "writer_adds_device_to_other",
     .build =
         [](Chain& c) {
           Team(c);
           c.AddDevice("carol.d1", "dave", "dave.d2");
         },
     .verdicts = Then(Oks(4), {Denied("no one adds a device to another")}),
     .members = TeamMembers()},
    {.name = "device_adds_device_to_own_member",
     .build =
         [](Chain& c) {
           Team(c);
           c.AddDevice("carol.d1", "carol", "carol.d2");
         },
     .verdicts = Then(Oks(4), {Denied("only with its member's own key")}),
     .members = TeamMembers()},
    {.name = "admin_adds_device_to_owner",
     .build =
         [](Chain& c) {
           Team(c);
           c.AddDevice("bob.d1", "alice", "alice.d2");
         },
     .verdicts = Then(Oks(4), {Denied("no one adds a device to another")}),
     .members = TeamMembers()},
    {.name = "admin_removes_owner_device",
     .build =
         [](Chain& c) {
           Team(c);
           c.RemoveDevice("bob.d1", "alice", "alice.d1");
         },
     .verdicts = Then(Oks(4), {Denied("remove another Owner's device")}),
     .members = TeamMembers()},
    {.name = "reader_removes_other_device",
     .build =
         [](Chain& c) {
           Team(c);
           c.RemoveDevice("dave.d1", "carol", "carol.d1");
         },
     .verdicts = Then(Oks(4), {Denied("can remove only its own devices")}),
     .members = TeamMembers()},
    {.name = "remove_device_of_wrong_member",
     .build =
         [](Chain& c) {
           Team(c);
           c.RemoveDevice("alice.d1", "dave", "carol.d1");
         },
     .verdicts = Then(Oks(4), {Denied("is not an active device of")}),
     .members = TeamMembers()},
    {.name = "device_added_twice",
     .build =
         [](Chain& c) {
           Team(c);
           c.AddDevice("bob", "bob", "bob.d2")
               .AddDevice("bob", "bob", "bob.d2");
         },
     .verdicts = Then(Oks(5), {Denied("the device already belongs to")}),
     .members = TeamWith("bob",
                         [](Member& m) {
                           m.devices = {{"bob.d1", true}, {"bob.d2", true}};
                         })},
    {.name = "device_of_another_member",
     .build =
         [](Chain& c) {
           Team(c);
           c.AddDevice("bob", "bob", "carol.d1");
         },
     .verdicts = Then(Oks(4), {Denied("the device already belongs to")}),
     .members = TeamMembers()},
    {.name = "device_equals_member_key",
     .build =
         [](Chain& c) {
           Team(c);
           c.AddDevice("carol", "carol", "dave");
         },
     .verdicts = Then(Oks(4), {Denied("signing key cannot also be a device")}),
     .members = TeamMembers()},
    {.name = "new_member_device_equals_its_key",
     .build =
         [](Chain& c) {
           Team(c);
           c.AddMember("bob.d1", "eve", kReader, "eve");
         },
     .verdicts =
         Then(Oks(4), {Invalid("a device key equal to the member key")}),
     .members = TeamMembers()},
    {.name = "readd_after_removal_old_device_stays_removed",
     .build =
         [](Chain& c) {
           Team(c);
           c.RemoveMember("bob.d1", "carol", 2)
               .AddMember("bob.d1", "carol", kReader, "carol.d2")
               .RotateKey("carol.d1", 3)
               .SkipSlot("alice.d1", 7)
               .AddDevice("carol", "carol", "carol.d3");
         },
     .verdicts =
         Then(Oks(6), {Denied("signed by a removed device of"), Ok(), Ok()}),
     .members = TeamWith("carol",
                         [](Member& m) {
                           m.role = kReader;
                           m.devices = {{"carol.d1", false},
                                        {"carol.d2", true},
                                        {"carol.d3", true}};
                         }),
     .key = 2,
     .key_count = 2},
    {.name = "cascade_rejected_member_cannot_act",
     .build =
         [](Chain& c) {
           Team(c);
           c.AddMember("carol.d1", "eve", kAdmin, "eve.d1")
               .AddMember("eve.d1", "frank", kReader, "frank.d1")
               .RotateKey("eve", 2);
         },
     .verdicts = Then(
         Oks(4), {Denied("a writer cannot add members"), Blocked(), Blocked()}),
     .members = TeamMembers()},
    {.name = "rotate_key_by_admin_then_reuse",
     .build =
         [](Chain& c) {
           Team(c);
           c.RotateKey("bob.d1", 2).RotateKey("alice.d1", 1);
         },
     .verdicts = Then(Oks(5), {Denied("the new key id was used before")}),
     .members = TeamMembers(),
     .key = 2,
     .key_count = 2},
    {.name = "remove_member_reuses_key_id",
     .build =
         [](Chain& c) {
           Team(c);
           c.RotateKey("bob.d1", 2).RemoveMember("bob.d1", "dave", 1);
         },
     .verdicts = Then(Oks(5), {Denied("the new key id was used before")}),
     .members = TeamMembers(),
     .key = 2,
     .key_count = 2},
    {.name = "writer_and_reader_rotate_key",
     .build =
         [](Chain& c) {
           Team(c);
           c.RotateKey("carol.d1", 2)
               .SkipSlot("alice.d1", 5)
               .RotateKey("dave.d1", 3);
         },
     .verdicts = Then(Oks(4), {Denied("a writer cannot rotate the key"), Ok(),
                               Denied("a reader cannot rotate the key")}),
     .members = TeamMembers()},
};
#pragma GCC diagnostic pop

class MemberLogRoleVectors : public ::testing::TestWithParam<Vector> {};

TEST_P(MemberLogRoleVectors, Replays) { RunVector(GetParam()); }

INSTANTIATE_TEST_SUITE_P(MemberLog, MemberLogRoleVectors,
                         ::testing::ValuesIn(kRoleVectors),
                         [](const ::testing::TestParamInfo<Vector>& info) {
                           return info.param.name;
                         });

}  // namespace
}  // namespace coven::members::testing
