// The convergence property simulation (convergence_property_test.cc), run on
// any shared home: five replicas behind fault-injecting wrappers of `base`
// make `steps` random writes and syncs, heal, and must match the LWW model.
#ifndef COVEN_TESTS_CONVERGENCE_SIMULATION_H_
#define COVEN_TESTS_CONVERGENCE_SIMULATION_H_

#include <cstdint>

#include "coven/home.h"

namespace coven::testing {

/// Runs one seed; failures are reported through GoogleTest. `base` null
/// means a fresh memory home.
void RunConvergenceSeed(std::uint64_t seed, int steps, home::HomeRef base,
                        bool lossy = false);

}  // namespace coven::testing

#endif  // COVEN_TESTS_CONVERGENCE_SIMULATION_H_
