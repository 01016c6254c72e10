// A byte stream that stays in memory while small and moves to an anonymous
// temporary file ($TMPDIR or /tmp; memory if neither is writable) once it
// grows past a threshold: the bridge between SQLite's
// streaming changeset output (sqlite3session_changeset_strm) and its
// streaming iterator (sqlite3changeset_start_strm), so that a large capture
// session never has to fit in memory.
//
// Thread safety: none.
#ifndef COVEN_CHANGESET_SPILL_BUFFER_H_
#define COVEN_CHANGESET_SPILL_BUFFER_H_

#include <cstdint>
#include <cstdio>
#include <string>

#include "coven/bytes.h"
#include "coven/status.h"

namespace coven::changeset {

class SpillBuffer {
 public:
  /// Keeps up to `memory_limit` bytes in memory; beyond, writes to a file.
  explicit SpillBuffer(std::size_t memory_limit) : limit_(memory_limit) {}
  ~SpillBuffer();
  SpillBuffer(const SpillBuffer&) = delete;
  SpillBuffer& operator=(const SpillBuffer&) = delete;

  /// Appends bytes (write phase). Fails if the temporary file cannot be
  /// created or written.
  Status Write(const void* data, std::size_t size);
  /// Reads up to `*size` bytes (read phase, after every Write); sets `*size`
  /// to the number read, 0 at the end.
  Status Read(void* data, std::size_t* size);

  std::uint64_t size() const { return size_; }
  bool spilled() const { return file_ != nullptr; }

  /// Callbacks with SQLite's xOutput / xInput signatures; `ctx` is the
  /// SpillBuffer. They return SQLITE_OK or SQLITE_IOERR.
  static int Output(void* ctx, const void* data, int size);
  static int Input(void* ctx, void* data, int* size);

 private:
  std::size_t limit_;
  Bytes memory_;
  std::FILE* file_ = nullptr;
  std::uint64_t size_ = 0;
  std::uint64_t read_ = 0;
  bool reading_ = false;
};

}  // namespace coven::changeset

#endif  // COVEN_CHANGESET_SPILL_BUFFER_H_
