#include "library/pending_start.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "coven/bytes.h"
#include "library/durable_file.h"

namespace coven::library {
namespace {

constexpr const char* kFileName = "/starting.json";

// A record is a few dozen bytes; anything much larger was not written here.
constexpr std::size_t kMaxRecordBytes = 4096;

}  // namespace

Result<std::optional<std::string>> ReadPendingStart(const std::string& dir) {
  const std::string path = dir + kFileName;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec) && !ec) {
    return std::optional<std::string>();
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return FailedPreconditionError(
        "cannot read " + path +
        " (the id of an unfinished start): fix its permissions, or remove it "
        "to start with a new library id");
  }
  std::string text(kMaxRecordBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  auto damaged = [&](const std::string& why) {
    return FailedPreconditionError(
        path + " (the id of an unfinished start) is damaged: " + why +
        "; remove it to start with a new library id");
  };
  if (text.size() > kMaxRecordBytes) return damaged("it is too large");
  nlohmann::json j = nlohmann::json::parse(text, nullptr,
                                           /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return damaged("not a JSON object");
  auto id = j.find("library_id");
  Bytes raw;
  if (id == j.end() || !id->is_string() ||
      !HexDecode(id->get<std::string>(), &raw) || raw.size() != 16) {
    return damaged("no \"library_id\" of 32 hex digits");
  }
  return std::optional<std::string>(id->get<std::string>());
}

Status WritePendingStart(const std::string& dir,
                         const std::string& library_id) {
  nlohmann::json j = {{"format", 1}, {"library_id", library_id}};
  return WriteFileDurably(dir + kFileName, j.dump() + "\n", 0600);
}

void ClearPendingStart(const std::string& dir) {
  std::remove((dir + kFileName).c_str());
}

}  // namespace coven::library
