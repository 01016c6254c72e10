// The report of e2e_bench: a markdown summary (goals judged) and the raw
// samples as JSON, on stdout and optionally in files.
#ifndef COVEN_BENCH_E2E_REPORT_H_
#define COVEN_BENCH_E2E_REPORT_H_

#include "e2e/context.h"

namespace coven::bench {

// Prints the markdown report and the JSON of all samples to stdout, and
// writes them to --markdown / --json when given.
void Report(Context& c);

}  // namespace coven::bench

#endif  // COVEN_BENCH_E2E_REPORT_H_
