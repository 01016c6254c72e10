#include "library/durable_file.h"

#include <cstring>

#include "home/folder_io.h"

namespace coven::library {

Status WriteFileDurably(const std::string& path, std::string_view text,
                        mode_t mode) {
  std::string step;
  if (const int err =
          home::folder_io::ReplaceFileDurably(path, AsBytes(text), mode, &step);
      err != 0) {
    return PermissionDeniedError(
        "cannot write " + path + " (" + step + ": " + std::strerror(err) +
        "); check that the directory is writable and the disk is not full, "
        "then try again");
  }
  return Status::Ok();
}

}  // namespace coven::library
