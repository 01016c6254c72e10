// State shared between coven's SQL functions and the engine: whether the
// connection is applying remote changes, and which deletion stamp applies.
#ifndef COVEN_ENGINE_STAMP_CONTEXT_H_
#define COVEN_ENGINE_STAMP_CONTEXT_H_

#include <string>

namespace coven::engine {

struct StampContext {
  enum class Mode {
    kLocal,     ///< Host writes: deletes get a fresh stamp.
    kApplying,  ///< Remote apply: deletes get `delete_stamp`.
    kSilent,    ///< Internal moves (parking): deletes leave no tombstone.
  };
  Mode mode = Mode::kLocal;
  std::string delete_stamp;
};

}  // namespace coven::engine

#endif  // COVEN_ENGINE_STAMP_CONTEXT_H_
