// todos: the shared todo list of the reference example, as a CLI.
//
//   todos init  --dir A --home /shared/folder           # first device
//   todos secret --dir A                # restore code + recovery secret
//   todos init  --dir B --home /shared/folder --join CODE  # asks the secret
//   todos add   --dir A "buy milk"
//   todos list  --dir B
//
// Every write is captured by coven on the app's own connection, sealed into
// the durable outbox, and (unless --offline) synced at once.
#include <CLI/CLI.hpp>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <thread>

#include "coven/builtins.h"
#include "coven/entropy.h"
#include "coven/library.h"
#include "coven/secret_input.h"
#include "todo_store.h"
#ifdef COVEN_WITH_HUB
#include "coven/hub_home.h"
#endif

namespace {

int Fail(const coven::Status& status) {
  std::cerr << "todos: " << status.message() << "\n";
  return status.code() == coven::StatusCode::kUnavailable ? 3 : 1;
}

class Printer : public coven::sync::sync_manager::SyncObserver {
 public:
  void on_rows_changed(
      const std::vector<coven::changeset::RowChange>& rows) override {
    for (const auto& row : rows) {
      std::cout << "  <- "
                << (row.op == coven::changeset::RowChange::Op::kDelete
                        ? "deleted "
                        : "updated ")
                << row.table << "/" << row.id << "\n";
    }
    // `todos watch > file` is block-buffered: flushed here, a watch that
    // is killed has written every line it printed.
    std::cout.flush();
  }
};

// "no todo library in DIR" instead of the library's own words (which name
// the coven program).
coven::Status InTodosWords(const std::string& dir, coven::Status status) {
  if (status.code() == coven::StatusCode::kNotFound &&
      !std::filesystem::exists(dir + "/library.json")) {
    return coven::NotFoundError(
        "no todo library in " + dir + ": create one with `todos init --dir " +
        dir + " --home FOLDER`, or join one with `todos init --dir " + dir +
        " --home FOLDER --join CODE`");
  }
  return status;
}

// Whether a round failed because the home could not be reached (down,
// unmounted, timing out): what it did not send waits in the outbox for the
// next round.
bool Unreachable(const coven::Status& status) {
  return status.code() == coven::StatusCode::kUnavailable ||
         status.code() == coven::StatusCode::kDeadlineExceeded;
}

// Opens the library, runs `write`, captures it and syncs unless offline.
// `sync_command`: the round is the command's whole work, so a failed round
// or a device whose objects wait is its exit code (3, 4 or 5). Another
// command whose round fails keeps its write: it exits 0 when the home was
// unreachable (the write syncs in a later round; a note on stderr says
// so), 4 when the home refuses access, else 1. `joining`: the first round
// of a device that just joined; objects that wait are its exit code (5),
// an unreachable home is not.
int WithLibrary(
    const std::string& dir, bool offline,
    const std::function<coven::Status(coven::db::SqliteSyncDb&)>& write,
    bool sync_command = false, bool joining = false) {
  auto lib = coven::library::OpenLibrary(dir, todos::kAppSchema,
                                         std::make_shared<Printer>());
  if (!lib.ok()) return Fail(InTodosWords(dir, lib.status()));
  int code = 0;
  if (write) {
    coven::Status status = write(*lib->db);
    if (!status.ok()) code = Fail(status);
  }
  if (code == 0) {
    if (offline) {
      auto flushed = lib->manager->flush();
      if (!flushed.ok()) code = Fail(flushed.status());
    } else {
      auto report = lib->manager->sync_now();
      if (!report.ok()) {
        const coven::StatusCode why = report.status().code();
        const bool refused = why == coven::StatusCode::kPermissionDenied ||
                             why == coven::StatusCode::kUnauthenticated;
        if (!sync_command && refused) {
          // The home refuses access: trying again does not help.
          std::cerr << "todos: saved here only, the home refuses access: "
                    << report.status().message()
                    << "\nFix that first (a removed device syncs again only "
                       "once a member of the library admits it again).\n";
          code = 4;
        } else if (!sync_command && Unreachable(report.status())) {
          // Saved, and sent by the next round that reaches the home: not a
          // failure of this command.
          std::cerr << "todos: " << (write ? "saved on this device" : "set up")
                    << "; not synced yet: " << report.status().message()
                    << ".\nIt will sync when the home is reachable (`todos "
                       "sync --dir "
                    << dir << "`, or any later command).\n";
        } else if (!sync_command) {
          std::cerr << "todos: saved here, but not synced: "
                    << report.status().message() << "\nRun `todos sync --dir "
                    << dir << "` once that is fixed.\n";
          code = 1;
        } else {
          code = Fail(report.status());
        }
      } else if (report->pushed_objects || report->pulled_objects) {
        std::cout << "  synced: pushed " << report->pushed_objects
                  << ", applied " << report->pulled_objects << " object(s)\n";
      }
      if (report.ok()) {
        for (const auto& a : report->alarms) {
          std::cout << "  ALARM: " << a << "\n";
        }
        for (const auto& p : report->problems) {
          std::cout << "  note: " << p << "\n";
        }
        for (const auto& w : report->waiting) {
          std::cout << "  waiting: " << w << "\n";
        }
        // The round could not apply everything: say so in the exit code.
        if ((sync_command || joining) && report->found_data_problem()) {
          if (joining) {
            std::cerr << "todos: joined, but the first sync found a data "
                         "problem (the lines above say what and what to do); "
                         "`coven status --dir "
                      << dir << "` shows it again\n";
          }
          code = 5;
        }
      }
    }
  }
  coven::Status stopped = lib->manager->stop();
  if (!stopped.ok() && code == 0) code = Fail(stopped);
  return code;
}

// What `todos watch` says when a round cannot reach `home`.
std::string AwayNote(const std::string& home) {
  const std::string where =
      home.rfind("hub://", 0) == 0 ? "the hub at " + home : "the home " + home;
  return where + " is not reachable; retrying every 2 s";
}

std::string NewId() {
  coven::SystemEntropy entropy;
  std::array<std::uint8_t, 4> raw{};
  entropy.Fill(raw);
  return coven::HexEncode(raw);
}

}  // namespace

int main(int argc, char** argv) {
  coven::RegisterBuiltins();  // s3, webdav, rclone homes; the OS keyring
#ifdef COVEN_WITH_HUB
  coven::hub::RegisterHubHome();  // hub:// homes (coven-hub)
#endif
  CLI::App app{
      "todos: a shared todo list synced by coven through a home URL or "
      "folder (hub://, s3://, webdav(s)://, rclone:// or a shared folder)"};
  app.require_subcommand(1);
  std::string dir, home, join, title, id;
  bool offline = false;
  int code = 0;

  auto* init = app.add_subcommand("init", "Create this device's todo library");
  init->add_option("--dir", dir, "Library directory")->required();
  init->add_option("--home", home,
                   "Home URL or folder shared by the devices: hub://, s3://, "
                   "webdav://, webdavs://, rclone:// (see docs/homes.md) or a "
                   "folder (local path, NAS mount, synced folder)")
      ->required();
  init->add_option("--join", join,
                   "Join with an invite code (`coven invite`) or restore this "
                   "person's library from `todos secret`");
  std::string argv_passphrase;
  int secret_fd = -1;
  CLI::Option* argv_option = init->add_option(
      "--passphrase", argv_passphrase,
      "Refused: use --secret-fd, COVEN_RESTORE_PASSPHRASE or the prompt");
  init->add_option("--secret-fd", secret_fd,
                   "Read the restore code's recovery secret (or passphrase) "
                   "from this file descriptor (else COVEN_RECOVERY_SECRET / "
                   "COVEN_RESTORE_PASSPHRASE, else a prompt)");
  init->add_option("--name", title, "Device label");
  init->callback([&] {
    if (std::filesystem::exists(dir + "/library.json")) {
      code = Fail(coven::AlreadyExistsError(
          dir + " already holds a todo library: use it (`todos sync --dir " +
          dir + "`, `todos add`, `todos list`); to start another, choose a " +
          "new --dir"));
      return;
    }
    coven::library::LibrarySettings settings;
    settings.home_folder = home;
    settings.database = dir + "/todos.db";
    settings.tables = {"todos", "todo_attachments"};
    settings.device_name = title.empty() ? dir : title;
    if (argv_option->count() > 0) {
      code = Fail(coven::InvalidArgumentError(
          coven::library::PassphraseOnCommandLineMessage("--secret-fd")));
      return;
    }
    std::string secret;
    if (join.rfind("CVR", 0) == 0 || join.rfind("cvr", 0) == 0) {
      auto kind = coven::library::RestoreCodeSecretKind(join);
      if (!kind.ok()) {
        code = Fail(kind.status());
        return;
      }
      if (*kind != coven::library::RestoreSecretKind::kNone) {
        const bool recovery =
            *kind == coven::library::RestoreSecretKind::kRecoverySecret;
        coven::library::SecretSource source;
        source.fd = secret_fd;
        source.env = recovery ? coven::library::kRecoverySecretEnv
                              : coven::library::kRestorePassphraseEnv;
        source.prompt = recovery ? "Recovery secret (CVK1-...): "
                                 : "Passphrase of the restore code: ";
        source.how = std::string("this restore code needs its ") +
                     (recovery ? "recovery secret" : "passphrase") +
                     ": type it at the prompt, or pass it with --secret-fd N "
                     "or in " +
                     source.env;
        auto read = coven::library::ReadSecret(source);
        if (!read.ok()) {
          code = Fail(read.status());
          return;
        }
        secret = std::move(*read);
      }
    }
    auto created = coven::library::CreateLibrary(dir, settings, join, secret);
    if (!created.ok()) {
      code = Fail(created.status());
      return;
    }
    std::cout << (join.empty() ? "created" : "joined") << " todo library "
              << created->library_id << "\n";
    code = WithLibrary(dir, join.empty(), nullptr, /*sync_command=*/false,
                       /*joining=*/!join.empty());
  });

  auto* secret = app.add_subcommand(
      "secret",
      "Print a restore code and its recovery secret (shown once): your "
      "other devices join with both (`todos init --join CODE`, which asks "
      "for the secret); keep the secret apart from the code. The member key "
      "then leaves this device: the code is its only copy");
  secret->add_option("--dir", dir, "Library directory")->required();
  secret->callback([&] {
    auto line = coven::library::ExportJoinSecret(dir);
    if (!line.ok()) {
      code = Fail(InTodosWords(dir, line.status()));
      return;
    }
    std::cout << line->code << "\n"
              << "recovery secret (shown only now; keep it apart from the "
                 "code): "
              << line->recovery_secret << "\n";
    std::cout.flush();
    if (!std::cout.good()) {
      code = Fail(coven::UnavailableError(
          "the restore code could not be written out; nothing changed"));
      return;
    }
    // The member key now lives in the code: this device keeps syncing with
    // its own key, and a lost device can be removed on its own.
    if (auto dropped = coven::library::DropMemberKey(dir); !dropped.ok()) {
      code = Fail(InTodosWords(dir, dropped));
    }
  });

  auto add_write =
      [&](const char* name, const char* help, bool needs_id, bool needs_title,
          std::function<coven::Status(coven::db::SqliteSyncDb&)> fn) {
        auto* cmd = app.add_subcommand(name, help);
        cmd->add_option("--dir", dir, "Library directory")->required();
        cmd->add_flag("--offline", offline, "Save locally without syncing");
        if (needs_id) cmd->add_option("id", id, "Todo id")->required();
        if (needs_title) cmd->add_option("title", title, "Title")->required();
        if (std::string(name) == "add")
          cmd->add_option("--id", id, "Use this id");
        cmd->callback([&, fn] {
          code = WithLibrary(dir, offline, fn, /*sync_command=*/!fn);
        });
      };
  add_write("add", "Add a todo", false, true, [&](coven::db::SqliteSyncDb& db) {
    if (id.empty()) id = NewId();
    coven::Status s = todos::AddTodo(db, id, title);
    if (s.ok()) std::cout << "added " << id << ": " << title << "\n";
    return s;
  });
  add_write("edit", "Change a todo's title", true, true,
            [&](coven::db::SqliteSyncDb& db) {
              coven::Status s = todos::EditTodo(db, id, title);
              if (s.ok()) std::cout << "edited " << id << ": " << title << "\n";
              return s;
            });
  add_write("done", "Mark a todo done", true, false,
            [&](coven::db::SqliteSyncDb& db) {
              coven::Status s = todos::CompleteTodo(db, id);
              if (s.ok()) std::cout << "done " << id << "\n";
              return s;
            });
  add_write("rm", "Delete a todo", true, false,
            [&](coven::db::SqliteSyncDb& db) {
              coven::Status s = todos::RemoveTodo(db, id);
              if (s.ok()) std::cout << "removed " << id << "\n";
              return s;
            });
  add_write("sync", "Sync now", false, false, nullptr);

  auto* list = app.add_subcommand("list", "List todos (local, no sync)");
  list->add_option("--dir", dir, "Library directory")->required();
  list->callback([&] {
    code = WithLibrary(
        dir, true, [&](coven::db::SqliteSyncDb& db) -> coven::Status {
          auto todos = todos::ListTodos(db);
          if (!todos.ok()) return todos.status();
          if (todos->empty()) std::cout << "  (no todos)\n";
          for (const auto& t : *todos) {
            std::cout << "  [" << (t.completed ? "x" : " ") << "] " << t.id
                      << "  " << t.title << "   (" << t.updated_at << ")\n";
          }
          return coven::Status::Ok();
        });
  });

  double seconds = 0;
  auto* watch = app.add_subcommand("watch", "Sync every 2 s and print changes");
  watch->add_option("--dir", dir, "Library directory")->required();
  watch->add_option("--for", seconds, "Stop after this many seconds");
  watch->callback([&] {
    auto lib = coven::library::OpenLibrary(dir, todos::kAppSchema,
                                           std::make_shared<Printer>());
    if (!lib.ok()) {
      code = Fail(InTodosWords(dir, lib.status()));
      return;
    }
    // SIGINT (Ctrl-C) and SIGTERM (kill, a service manager) end the watch
    // after the round under way, and the output is flushed on the way out.
    static volatile std::sig_atomic_t stop = 0;
    std::signal(SIGINT, [](int) { stop = 1; });
    std::signal(SIGTERM, [](int) { stop = 1; });
    auto start = std::chrono::steady_clock::now();
    bool away = false;  // The last round could not reach the home.
    while (!stop &&
           (seconds <= 0 || std::chrono::steady_clock::now() - start <
                                std::chrono::duration<double>(seconds))) {
      auto report = lib->manager->sync_now();
      if (!report.ok() && Unreachable(report.status())) {
        // Said once per outage, not every round: the watch keeps trying.
        if (!away) {
          std::cout << "  " << AwayNote(lib->settings.home_folder)
                    << "\n    why: " << report.status().message() << std::endl;
        }
        away = true;
      } else if (!report.ok()) {
        std::cout << "  sync failed: " << report.status().message()
                  << std::endl;
      } else if (away) {
        std::cout << "  the home is reachable again" << std::endl;
        away = false;
      }
      // 2 s between rounds, in steps short enough to stop at once.
      for (int i = 0; i < 20 && !stop; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
    lib->manager->stop().IgnoreError();
  });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return code;
}
