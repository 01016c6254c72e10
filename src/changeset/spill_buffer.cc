#include "changeset/spill_buffer.h"

#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace coven::changeset {

namespace {
Status FileError(const char* what) {
  return UnavailableError(
      std::string(what) +
      " the temporary file of a large flush: " + std::strerror(errno));
}
// An anonymous file in $TMPDIR (or /tmp): unlinked at once, so it goes away
// with the process whatever happens.
std::FILE* OpenTemporaryFile() {
  const char* dir = std::getenv("TMPDIR");
  std::string pattern =
      std::string(dir && *dir ? dir : "/tmp") + "/coven-flush-XXXXXX";
  const int fd = ::mkstemp(pattern.data());
  if (fd < 0) return nullptr;
  ::unlink(pattern.c_str());
  std::FILE* file = ::fdopen(fd, "w+b");
  if (file == nullptr) ::close(fd);
  return file;
}

}  // namespace

SpillBuffer::~SpillBuffer() {
  if (file_ != nullptr) std::fclose(file_);
}

Status SpillBuffer::Write(const void* data, std::size_t size) {
  if (size == 0) return Status::Ok();
  size_ += size;
  if (file_ == nullptr && memory_.size() + size <= limit_) {
    const auto* bytes = static_cast<const std::uint8_t*>(data);
    memory_.insert(memory_.end(), bytes, bytes + size);
    return Status::Ok();
  }
  if (file_ == nullptr) {
    file_ = OpenTemporaryFile();
    if (file_ == nullptr) {
      // No temporary directory to write to: keep going in memory rather
      // than fail every flush.
      limit_ = SIZE_MAX;
      const auto* bytes = static_cast<const std::uint8_t*>(data);
      memory_.insert(memory_.end(), bytes, bytes + size);
      return Status::Ok();
    }
    if (!memory_.empty() && std::fwrite(memory_.data(), 1, memory_.size(),
                                        file_) != memory_.size()) {
      return FileError("writing");
    }
    Bytes().swap(memory_);
  }
  if (std::fwrite(data, 1, size, file_) != size) return FileError("writing");
  return Status::Ok();
}

Status SpillBuffer::Read(void* data, std::size_t* size) {
  if (!reading_) {
    reading_ = true;
    if (file_ != nullptr) {
      if (std::fflush(file_) != 0 || std::fseek(file_, 0, SEEK_SET) != 0) {
        return FileError("rewinding");
      }
    }
  }
  if (file_ == nullptr) {
    const std::size_t n = static_cast<std::size_t>(
        std::min<std::uint64_t>(*size, memory_.size() - read_));
    if (n > 0) std::memcpy(data, memory_.data() + read_, n);
    read_ += n;
    *size = n;
    return Status::Ok();
  }
  const std::size_t n = std::fread(data, 1, *size, file_);
  if (n < *size && std::ferror(file_)) return FileError("reading");
  read_ += n;
  *size = n;
  return Status::Ok();
}

int SpillBuffer::Output(void* ctx, const void* data, int size) {
  auto* self = static_cast<SpillBuffer*>(ctx);
  return self->Write(data, static_cast<std::size_t>(size)).ok() ? SQLITE_OK
                                                                : SQLITE_IOERR;
}

int SpillBuffer::Input(void* ctx, void* data, int* size) {
  auto* self = static_cast<SpillBuffer*>(ctx);
  std::size_t n = static_cast<std::size_t>(*size);
  if (!self->Read(data, &n).ok()) return SQLITE_IOERR;
  *size = static_cast<int>(n);
  return SQLITE_OK;
}

}  // namespace coven::changeset
