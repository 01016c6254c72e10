#include <mutex>

#include "coven/session.h"

namespace coven::sync::session {

namespace {
std::mutex& Mutex() {
  static std::mutex mutex;
  return mutex;
}
std::vector<std::string>& Tables() {
  static std::vector<std::string> tables;
  return tables;
}
}  // namespace

void set_synced_tables(const std::vector<std::string>& tables) {
  std::lock_guard<std::mutex> lock(Mutex());
  Tables() = tables;
}

std::vector<std::string> synced_tables() {
  std::lock_guard<std::mutex> lock(Mutex());
  return Tables();
}

}  // namespace coven::sync::session
