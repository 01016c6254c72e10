// Which tables coven syncs (mirrors coven::sync::session in the reference).
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
