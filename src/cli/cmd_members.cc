// coven identity / invite / members / remove / role / rotate-key /
// fingerprint
#include <iostream>

#include "cli/cli.h"
#include "coven/library.h"
#include "coven/members.h"

namespace coven::cli {

namespace {

// Opens `dir`, runs `action` on its manager, stops it.
template <typename Action>
void WithManager(const std::string& dir, int* exit_code, Action action) {
  auto lib = library::OpenLibrary(dir);
  if (!lib.ok()) {
    *exit_code = Fail(lib.status());
    return;
  }
  Status status = action(*lib->manager);
  Status stopped = lib->manager->stop();
  if (!status.ok()) {
    *exit_code = Fail(status);
  } else if (!stopped.ok()) {
    *exit_code = Fail(stopped);
  }
}

std::optional<members::MemberRole> RoleOrFail(const std::string& text,
                                              int* exit_code) {
  auto role = members::ParseRole(text);
  if (!role) {
    *exit_code = Fail(InvalidArgumentError(
        "unknown role `" + text + "`: use owner, admin, writer or reader"));
  }
  return role;
}

}  // namespace

void RegisterMembers(CLI::App& app, int* exit_code) {
  auto dir = std::make_shared<std::string>();
  auto subject = std::make_shared<std::string>();
  auto role = std::make_shared<std::string>("writer");

  auto* identity = app.add_subcommand(
      "identity",
      "Print this directory's member identity (created on first use).\n"
      "A joining person shows it to an Admin, who runs `coven invite`.");
  identity->add_option("--dir", *dir, "Library directory")->required();
  identity->callback([=] {
    auto id = library::IdentityOf(*dir);
    if (!id.ok()) {
      *exit_code = Fail(id.status());
      return;
    }
    std::cout << *id << "\n";
  });

  auto* invite = app.add_subcommand(
      "invite",
      "Add a member (Admins and Owners) and print the invite code it passes "
      "to\n`coven join`. The code holds no secret: the library keys are "
      "sealed to the\nmember's key in the home. By default every library key "
      "this device holds\nis sealed to the new member, so it can read ALL of "
      "the library's history,\nincluding what was written before the invite. "
      "With --future-only the key\nis rotated first and only the new one is "
      "sealed to it: it reads only what\nis written from now on.");
  invite->add_option("identity", *subject, "The joiner's `coven identity`")
      ->required();
  auto future_only = std::make_shared<bool>(false);
  invite->add_flag("--future-only", *future_only,
                   "Share only what is written from now on (rotates the "
                   "library key first)");
  invite->add_option("--role", *role, "owner, admin, writer or reader");
  invite->add_option("--dir", *dir, "Library directory")->required();
  invite->callback([=] {
    auto parsed = RoleOrFail(*role, exit_code);
    if (!parsed) return;
    WithManager(*dir, exit_code, [&](auto& manager) -> Status {
      COVEN_ASSIGN_OR_RETURN(
          std::string code,
          manager.invite_member(*subject, *parsed, !*future_only));
      std::cout << code << "\n";
      return Status::Ok();
    });
  });

  auto* list = app.add_subcommand("members", "List members, roles, devices.");
  list->add_option("--dir", *dir, "Library directory")->required();
  list->callback([=] {
    WithManager(*dir, exit_code, [&](auto& manager) -> Status {
      COVEN_ASSIGN_OR_RETURN(auto members, manager.get_members());
      for (const members::MemberInfo& m : members) {
        std::cout << m.member_id << "  " << members::RoleName(m.role)
                  << (m.active ? "" : "  (removed)") << "\n";
        for (const members::DeviceInfo& d : m.devices) {
          std::cout << "    device " << d.device_id
                    << (d.added_at == 1 ? "  (founded the library)" : "")
                    << (d.active ? "" : "  (removed)") << "\n";
        }
      }
      return Status::Ok();
    });
  });

  auto* remove = app.add_subcommand(
      "remove",
      "Remove a member and rotate the library key: it cannot read anything\n"
      "written after, and every device rejects each of its writes past the\n"
      "last one this device applied, whatever member-log position it names\n"
      "(a cut: docs/format/members.md section 5). Sync first, so that the\n"
      "member's last honest writes are inside the cut.");
  remove->add_option("member", *subject, "Member id (from `coven members`)")
      ->required();
  remove->add_option("--dir", *dir, "Library directory")->required();
  remove->callback([=] {
    WithManager(*dir, exit_code, [&](auto& manager) -> Status {
      COVEN_RETURN_IF_ERROR(manager.remove_member(*subject));
      std::cout << "removed " << *subject << "; the library key was rotated\n"
                << "warning: writes of " << *subject
                << " that had not reached this device before the removal are "
                   "dropped on every device\n(docs/format/members.md section "
                   "5.1). To keep a member's last writes, have its devices "
                   "sync while\nthey still can, then sync here, before "
                   "`coven remove`.\n";
      return Status::Ok();
    });
  });

  auto* remove_device = app.add_subcommand(
      "remove-device",
      "Remove one device (a lost or stolen one) and rotate the library key:\n"
      "the new key is sealed to every other device and member, so the "
      "removed\ndevice opens nothing written after, and every device "
      "rejects its writes\npast the last one this device applied (a cut). "
      "A device that still keeps\nthe member key (`coven status` there) "
      "reads everything new anyway: remove\nthe member instead. Members "
      "remove their own devices; Admins and Owners any.");
  remove_device
      ->add_option("device", *subject, "Device id (from `coven members`)")
      ->required();
  remove_device->add_option("--dir", *dir, "Library directory")->required();
  remove_device->callback([=] {
    WithManager(*dir, exit_code, [&](auto& manager) -> Status {
      COVEN_RETURN_IF_ERROR(manager.remove_device(*subject));
      std::cout << "removed device " << *subject
                << "; the library key was rotated. If that device still "
                   "kept the member key\n(it never made a restore code), "
                   "it can read on: then remove the member.\n"
                << "warning: writes of device " << *subject
                << " that had not reached this device before the removal "
                   "are dropped on\nevery device (docs/format/members.md "
                   "section 5.1). To keep a device's last writes, sync it\n"
                   "while it still can, then sync here, before `coven "
                   "remove-device`.\n";
      return Status::Ok();
    });
  });

  auto* change = app.add_subcommand("role", "Give a member another role.");
  change->add_option("member", *subject, "Member id")->required();
  change->add_option("role", *role, "owner, admin, writer or reader")
      ->required();
  change->add_option("--dir", *dir, "Library directory")->required();
  change->callback([=] {
    auto parsed = RoleOrFail(*role, exit_code);
    if (!parsed) return;
    WithManager(*dir, exit_code, [&](auto& manager) -> Status {
      COVEN_RETURN_IF_ERROR(manager.change_role(*subject, *parsed));
      std::cout << *subject << " is now " << members::RoleName(*parsed) << "\n";
      return Status::Ok();
    });
  });

  auto* rotate = app.add_subcommand(
      "rotate-key", "Start a new library key, sealed to every member.");
  rotate->add_option("--dir", *dir, "Library directory")->required();
  rotate->callback([=] {
    WithManager(*dir, exit_code,
                [&](auto& manager) { return manager.rotate_key(); });
  });

  auto* skip = app.add_subcommand(
      "skip-slot",
      "Let the member log go on past a slot that does not verify (`coven\n"
      "status` names it). Admins and Owners, after checking what is there:\n"
      "every device then ignores that slot and reads the log on.");
  auto slot = std::make_shared<std::uint64_t>(0);
  skip->add_option("slot", *slot, "The blocked slot's number")->required();
  skip->add_option("--dir", *dir, "Library directory")->required();
  skip->callback([=] {
    WithManager(*dir, exit_code, [&](auto& manager) -> Status {
      COVEN_RETURN_IF_ERROR(manager.skip_member_slot(*slot));
      std::cout << "slot " << *slot << " skipped; the member log goes on\n";
      return Status::Ok();
    });
  });

  auto* fingerprint = app.add_subcommand(
      "fingerprint",
      "Print the member-log fingerprint. Members compare it out of band: a\n"
      "home that shows different people different logs gives different "
      "values.");
  fingerprint->add_option("--dir", *dir, "Library directory")->required();
  fingerprint->callback([=] {
    WithManager(*dir, exit_code, [&](auto& manager) -> Status {
      auto synced = manager.sync_now();
      std::cout << manager.fingerprint() << "\n";
      if (!synced.ok()) {
        std::cerr << "coven: (not refreshed: " << synced.status().message()
                  << ")\n";
      }
      return Status::Ok();
    });
  });
}

}  // namespace coven::cli
