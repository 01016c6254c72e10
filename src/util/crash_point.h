// Named points in the write path where a test may kill the process.
//
// The crash test (tests/crash_test.cc) forks a writer, installs a hook that
// raises SIGKILL at the Nth pass of one point, and checks that nothing
// committed is lost. Without a hook, CrashPoint() is one relaxed atomic load.
//
// Thread safety: SetCrashHookForTesting may be called at any time; the hook
// runs on the thread that passes the point.
#ifndef COVEN_UTIL_CRASH_POINT_H_
#define COVEN_UTIL_CRASH_POINT_H_

namespace coven {

/// Called with the point's name each time the write path passes it.
using CrashHook = void (*)(const char* point);

/// Installs `hook` (nullptr removes it). For tests only.
void SetCrashHookForTesting(CrashHook hook);

/// Passes the named point: calls the installed hook, if any.
void CrashPoint(const char* point);

}  // namespace coven

#endif  // COVEN_UTIL_CRASH_POINT_H_
