# Fails the configure step when the system SQLite lacks the session extension.
include(CheckCSourceCompiles)
set(CMAKE_REQUIRED_LIBRARIES ${SQLITE3_LINK_LIBRARIES})
set(CMAKE_REQUIRED_INCLUDES ${SQLITE3_INCLUDE_DIRS})
check_c_source_compiles("
#define SQLITE_ENABLE_SESSION 1
#define SQLITE_ENABLE_PREUPDATE_HOOK 1
#include <sqlite3.h>
int main(void) {
  sqlite3_session* s = 0;
  (void)sqlite3session_create(0, \"main\", &s);
  return 0;
}" COVEN_SQLITE_HAS_SESSION)
unset(CMAKE_REQUIRED_LIBRARIES)
unset(CMAKE_REQUIRED_INCLUDES)
if(NOT COVEN_SQLITE_HAS_SESSION)
  message(FATAL_ERROR "The system SQLite was built without the session "
          "extension (SQLITE_ENABLE_SESSION). Install Debian's libsqlite3-dev.")
endif()
