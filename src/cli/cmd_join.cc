// coven join / restore / restore-code
#include <cstdlib>
#include <iostream>

#include "cli/cli.h"
#include "cli/create_library.h"
#include "codes/code.h"
#include "coven/library.h"
#include "coven/secret_input.h"
#include "library/library_codes.h"

namespace coven::cli {

namespace {

// `coven join` takes invite codes and `coven restore` restore codes; a code
// of the other kind gets the command that takes it. A code of the right
// kind is decoded (a typo or a wrong passphrase is reported before anything
// else); `*tables` gets the code's tables when it is empty.
// The code's kind fits the command (before any secret is asked for).
Status CheckCodeKind(const std::string& code, bool restore) {
  auto kind = codes::DetectCodeKind(code);
  if (!kind.ok()) return kind.status();
  if (!restore && *kind == codes::CodeKind::kRestore) {
    return InvalidArgumentError(
        "this is a restore code (from `coven restore-code`), not an invite "
        "code: it restores its member on a new device. Run `coven restore "
        "CODE --dir DIR --db DB` instead (it asks for the code's recovery "
        "secret or passphrase).");
  }
  if (restore && *kind == codes::CodeKind::kInvite) {
    return InvalidArgumentError(
        "this is an invite code (from `coven invite`), not a restore code: "
        "run `coven join CODE --dir DIR --db DB` instead, in the directory "
        "whose `coven identity` was invited.");
  }
  if (*kind == codes::CodeKind::kRecoverySecret) {
    return InvalidArgumentError(
        "this is a recovery secret (CVK1), not a code: pass the restore code "
        "(CVR1) to `coven restore` and give this secret when it asks for it "
        "(or in COVEN_RECOVERY_SECRET).");
  }
  if (*kind == codes::CodeKind::kIdentity) {
    return InvalidArgumentError(
        "this is an identity code (from `coven identity`), not an invite or "
        "restore code: give it to an Admin, who runs `coven invite` with it "
        "and sends you back the invite code for `coven join`.");
  }
  return Status::Ok();
}

Status CheckCode(const std::string& code, const std::string& secret,
                 bool restore, std::vector<std::string>* tables) {
  COVEN_RETURN_IF_ERROR(CheckCodeKind(code, restore));
  auto kind = codes::DetectCodeKind(code);
  if (!kind.ok()) return kind.status();
  std::vector<std::string> from_code;
  if (*kind == codes::CodeKind::kInvite) {
    COVEN_ASSIGN_OR_RETURN(library::LibraryLocation location,
                           library::DecodeInviteCode(code));
    from_code = location.tables;
  } else if (*kind == codes::CodeKind::kRestore) {
    COVEN_ASSIGN_OR_RETURN(library::RestoreContents contents,
                           library::DecodeRestoreCode(code, secret));
    from_code = contents.location.tables;
  } else {
    return InvalidArgumentError(
        "this is an identity code (from `coven identity`), not an invite or "
        "restore code: give it to an Admin, who runs `coven invite` with it "
        "and sends you back the invite code for `coven join`.");
  }
  if (tables->empty()) *tables = from_code;
  return Status::Ok();
}

// The recovery secret or passphrase that opens the restore code `code`
// (empty for an old code that needs none).
Result<std::string> RestoreSecret(const std::string& code, int secret_fd,
                                  int passphrase_fd) {
  COVEN_ASSIGN_OR_RETURN(library::RestoreSecretKind kind,
                         library::RestoreCodeSecretKind(code));
  library::SecretSource source;
  switch (kind) {
    case library::RestoreSecretKind::kNone:
      return std::string();
    case library::RestoreSecretKind::kRecoverySecret:
      source.fd = secret_fd;
      source.env = library::kRecoverySecretEnv;
      source.prompt = "Recovery secret (CVK1-...): ";
      source.how =
          "this restore code needs its recovery secret (CVK1-...): type it "
          "at the prompt, or pass it with --secret-fd N or in " +
          std::string(library::kRecoverySecretEnv);
      break;
    case library::RestoreSecretKind::kPassphrase:
      source.fd = passphrase_fd;
      source.env = library::kRestorePassphraseEnv;
      source.prompt = "Passphrase of the restore code: ";
      source.how =
          "this restore code is protected by a passphrase: type it at the "
          "prompt, or pass it with --passphrase-fd N or in " +
          std::string(library::kRestorePassphraseEnv);
      break;
  }
  return library::ReadSecret(source);
}

}  // namespace

void RegisterJoin(CLI::App& app, int* exit_code) {
  for (const char* name : {"join", "restore"}) {
    const bool restore = std::string(name) == "restore";
    auto* sub = app.add_subcommand(
        name, restore ? "Restore this member on a new device from a restore "
                        "code (`coven restore-code`),\ninto a new directory."
                      : "Join a library with the invite code an Admin "
                        "printed for this directory's\n`coven identity`.");
    auto code = std::make_shared<std::string>();
    auto argv_passphrase = std::make_shared<std::string>();
    auto secret_fd = std::make_shared<int>(-1);
    auto passphrase_fd = std::make_shared<int>(-1);
    auto join_settings = std::make_shared<library::LibrarySettings>();
    auto join_tables = std::make_shared<std::string>();
    auto join_dir = std::make_shared<std::string>();
    sub->add_option("code", *code,
                    restore ? "The restore code (CVR1-...)"
                            : "The invite code (CVI1-...)")
        ->required();
    sub->add_option("--dir", *join_dir, "Library directory")->required();
    sub->add_option("--db", join_settings->database,
                    "This device's copy of the app's SQLite database")
        ->required();
    sub->add_option("--home", join_settings->home_folder,
                    "The home (folder or URL) as this device sees it "
                    "(default: the one in the code)");
    sub->add_option("--tables", *join_tables,
                    "Tables to sync (default: the ones in the code)");
    sub->add_option("--name", join_settings->device_name, "Device label");
    if (restore) {
      sub->add_flag("--keep-member-key", join_settings->keep_member_key,
                    "Keep the member key on this device after it is "
                    "enrolled (by default it\nleaves: the device syncs with "
                    "its own key, and `coven remove-device`\nlocks it out)");
    }
    CLI::Option* argv_option = nullptr;
    if (restore) {
      sub->add_option("--secret-fd", *secret_fd,
                      "Read the recovery secret (CVK1-...) from this file "
                      "descriptor\n(else COVEN_RECOVERY_SECRET, else a "
                      "prompt)");
      sub->add_option("--passphrase-fd", *passphrase_fd,
                      "Read the passphrase of a passphrase-protected code "
                      "from this file\ndescriptor (else "
                      "COVEN_RESTORE_PASSPHRASE, else a prompt)");
      argv_option = sub->add_option("--passphrase", *argv_passphrase,
                                    "Refused: use --passphrase-fd, "
                                    "COVEN_RESTORE_PASSPHRASE or the prompt");
    }
    // The callback holds argv_passphrase: CLI11 writes through the pointer
    // it was given while parsing, after this loop's iteration ended.
    sub->callback([=, keep_alive = argv_passphrase] {
      if (argv_option != nullptr && argv_option->count() > 0) {
        *exit_code = Fail(
            InvalidArgumentError(library::PassphraseOnCommandLineMessage()));
        return;
      }
      std::string secret;
      if (Status kind = CheckCodeKind(*code, restore); !kind.ok()) {
        *exit_code = Fail(kind);
        return;
      }
      if (restore) {
        Result<std::string> read =
            RestoreSecret(*code, *secret_fd, *passphrase_fd);
        if (!read.ok()) {
          *exit_code = Fail(read.status());
          return;
        }
        secret = std::move(*read);
      }
      join_settings->tables = SplitTables(*join_tables);
      std::vector<std::string> tables = join_settings->tables;
      Status ready = CheckCode(*code, secret, restore, &tables);
      if (ready.ok()) {
        ready =
            CheckBeforeCreate(*join_dir, join_settings->database, tables, name);
      }
      if (!ready.ok()) {
        *exit_code = Fail(ready);
        return;
      }
      CreateAndSync(*join_dir, *join_settings, *code, secret,
                    restore ? "restored" : "joined", exit_code);
    });
  }
}

void RegisterExportSecret(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand(
      "restore-code",
      "Print a code that restores this member on a new device (`coven "
      "restore`).\nThe member's secret key in it is sealed. By default with "
      "a new 128-bit\nrecovery secret (CVK1-...) printed once after the code: "
      "keep it apart from\nthe code (written down); `coven restore` asks for "
      "it. Or, with\n--with-passphrase / --passphrase-fd N / "
      "COVEN_RESTORE_PASSPHRASE, with a\nstrong passphrase (Argon2id, "
      "MODERATE cost; weak ones are refused).\nThe member key then leaves "
      "this device (unless --keep-member-key): the code\nis its only copy, "
      "and this device syncs with its own device key.");
  auto dir = std::make_shared<std::string>();
  auto argv_passphrase = std::make_shared<std::string>();
  auto passphrase_fd = std::make_shared<int>(-1);
  auto with_passphrase = std::make_shared<bool>(false);
  auto keep_key = std::make_shared<bool>(false);
  cmd->add_option("--dir", *dir, "Library directory")->required();
  cmd->add_flag("--keep-member-key", *keep_key,
                "Keep the member key on this device (then it can make "
                "more codes, and a\nstolen device is the whole member); "
                "by default it leaves with the code");
  cmd->add_flag("--with-passphrase", *with_passphrase,
                "Protect the code with a passphrase typed at a prompt (or "
                "in\nCOVEN_RESTORE_PASSPHRASE) instead of a recovery secret");
  cmd->add_option("--passphrase-fd", *passphrase_fd,
                  "Protect the code with the passphrase read from this file "
                  "descriptor");
  CLI::Option* argv_option =
      cmd->add_option("--passphrase", *argv_passphrase,
                      "Refused: use --passphrase-fd, "
                      "COVEN_RESTORE_PASSPHRASE or --with-passphrase");
  // The callback holds argv_passphrase: CLI11 writes through the pointer
  // it was given while parsing, after this function returned.
  cmd->callback([=, keep_alive = argv_passphrase] {
    if (argv_option->count() > 0) {
      *exit_code =
          Fail(InvalidArgumentError(library::PassphraseOnCommandLineMessage()));
      return;
    }
    std::string passphrase;
    const char* env = std::getenv(library::kRestorePassphraseEnv);
    if (*with_passphrase || *passphrase_fd >= 0 ||
        (env != nullptr && *env != '\0')) {
      library::SecretSource source;
      source.fd = *passphrase_fd;
      source.env = library::kRestorePassphraseEnv;
      source.prompt = "Passphrase for the restore code: ";
      source.confirm = true;
      source.how =
          "no passphrase given: type it at the prompt (stdin must be a "
          "terminal), or pass it with --passphrase-fd N or in " +
          std::string(library::kRestorePassphraseEnv);
      Result<std::string> read = library::ReadSecret(source);
      if (!read.ok()) {
        *exit_code = Fail(read.status());
        return;
      }
      passphrase = std::move(*read);
    }
    auto code = library::ExportJoinSecret(*dir, passphrase);
    if (!code.ok()) {
      *exit_code = Fail(code.status());
      return;
    }
    std::cout << code->code << "\n";
    if (!code->recovery_secret.empty()) {
      std::cout << "recovery secret (shown only now; keep it apart from the "
                   "code): "
                << code->recovery_secret << "\n";
    }
    // The seed leaves only once the code is out (a full disk or a closed
    // pipe keeps it here).
    std::cout.flush();
    if (!std::cout.good()) {
      *exit_code = Fail(UnavailableError(
          "the restore code could not be written out; the member key stays "
          "on this device"));
      return;
    }
    if (!*keep_key) {
      if (Status dropped = library::DropMemberKey(*dir); !dropped.ok()) {
        *exit_code = Fail(dropped.Annotate(
            "the restore code above works, but the member key could not "
            "leave this device"));
        return;
      }
      std::cout << "The member key has left this device: this code is now "
                   "its only copy (store it\nsafely). This device keeps "
                   "syncing with its own key; `coven remove-device`\nlocks "
                   "it out if it is lost.\n";
    }
  });
}

}  // namespace coven::cli
