// Which tables coven syncs (mirrors coven::sync::session in the reference),
// and what coven installs on the host's write connection for them.
//
// While a SyncManager runs, the write connection (SyncDb::raw_write_handle)
// carries:
//  - SQL functions coven_hlc(), coven_delete_stamp() and coven_may_write();
//  - per synced table, a TEMP trigger AFTER DELETE that records a tombstone;
//  - the connection's preupdate hook (sqlite3_preupdate_hook), which notes
//    the keys of written rows (docs/capture.md). A host must not set its own
//    preupdate hook on this connection nor attach a sqlite3session to it:
//    they share the one slot;
//  - the write guard, only while this device may not write (its member is a
//    Reader or was removed, or the device was removed): TEMP triggers BEFORE
//    INSERT, UPDATE and DELETE on each synced table. Such a write fails with
//    SQLITE_CONSTRAINT (extended SQLITE_CONSTRAINT_TRIGGER) and the message
//    "coven: this device may not change synced tables: ...". A device that
//    may write has none of these triggers, so its writes pay nothing per row
//    for the guard. Creating or dropping them changes the TEMP schema, so a
//    statement the host prepared before the role changed is recompiled at
//    its next step and is refused (or allowed) like a new one. Remote
//    changes still apply on a Reader. While the host holds a transaction
//    open the triggers are not changed; the next sync round does it.
// coven sets no authorizer, progress handler, commit or update hook, so a
// host may set its own; but an authorizer that refuses CREATE TEMP TRIGGER
// or DROP TRIGGER in the TEMP schema keeps the guard from changing (the sync
// round then fails with that SQLite error).
#ifndef COVEN_SESSION_H_
#define COVEN_SESSION_H_

#include <string>
#include <vector>

namespace coven::sync::session {

/// Sets the process-wide default list of synced tables. A SyncManager whose
/// Config::synced_tables is empty uses this list when it starts. Tables not
/// listed stay local. Thread-safe.
void set_synced_tables(const std::vector<std::string>& tables);

/// The current process-wide list.
std::vector<std::string> synced_tables();

}  // namespace coven::sync::session

#endif  // COVEN_SESSION_H_
