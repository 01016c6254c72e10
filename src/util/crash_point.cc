#include "util/crash_point.h"

#include <atomic>

namespace coven {
namespace {
std::atomic<CrashHook> g_hook{nullptr};
}  // namespace

void SetCrashHookForTesting(CrashHook hook) {
  g_hook.store(hook, std::memory_order_release);
}

void CrashPoint(const char* point) {
  if (CrashHook hook = g_hook.load(std::memory_order_acquire)) hook(point);
}

}  // namespace coven
