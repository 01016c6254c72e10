// The convergence property simulation (convergence_property_test.cc), run on
// any shared home: five replicas behind fault-injecting wrappers of `base`
// make `steps` random writes and syncs, heal, and must match the LWW model.
// Homes that authenticate each device (hub://) run it from a URL instead.
#ifndef COVEN_TESTS_CONVERGENCE_SIMULATION_H_
#define COVEN_TESTS_CONVERGENCE_SIMULATION_H_

#include <cstdint>
#include <string>

#include "coven/home.h"

namespace coven::testing {

/// Runs one seed; failures are reported through GoogleTest. `base` null
/// means a fresh memory home.
void RunConvergenceSeed(std::uint64_t seed, int steps, home::HomeRef base,
                        bool lossy = false);

/// As RunConvergenceSeed, but each replica opens `url` with its own keys
/// (the first one makes it the library's home), without injected faults.
void RunConvergenceSeedAtUrl(std::uint64_t seed, int steps,
                             const std::string& url);

}  // namespace coven::testing

#endif  // COVEN_TESTS_CONVERGENCE_SIMULATION_H_
