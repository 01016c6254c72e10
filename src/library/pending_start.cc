#include "library/pending_start.h"

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "coven/bytes.h"
#include "library/durable_file.h"

namespace coven::library {
namespace {

constexpr const char* kFileName = "/starting.json";

// A record is a few hundred bytes; anything much larger was not written
// here.
constexpr std::size_t kMaxRecordBytes = 64 << 10;

}  // namespace

Result<std::optional<PendingStart>> ReadPendingStart(const std::string& dir) {
  const std::string path = dir + kFileName;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec) && !ec) {
    return std::optional<PendingStart>();
  }
  // What a start with a new id meets if the killed start made its home.
  const std::string fresh =
      "remove it to start with a new library id (and, if the home holds a "
      "coven-library.json from that start, choose another home or remove "
      "that file)";
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return FailedPreconditionError(
        "cannot read " + path +
        " (the record of an unfinished start): fix its permissions, or " +
        fresh);
  }
  std::string text(kMaxRecordBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  auto damaged = [&](const std::string& why) {
    return FailedPreconditionError(path +
                                   " (the record of an unfinished start) is "
                                   "damaged: " +
                                   why + "; " + fresh);
  };
  if (text.size() > kMaxRecordBytes) return damaged("it is too large");
  nlohmann::json j = nlohmann::json::parse(text, nullptr,
                                           /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return damaged("not a JSON object");
  auto id = j.find("library_id");
  auto home = j.find("home");
  Bytes raw;
  if (id == j.end() || !id->is_string() ||
      !HexDecode(id->get<std::string>(), &raw) || raw.size() != 16) {
    return damaged("no \"library_id\" of 32 hex digits");
  }
  if (home == j.end() || !home->is_string()) return damaged("no \"home\"");
  return std::optional<PendingStart>(
      PendingStart{id->get<std::string>(), home->get<std::string>()});
}

Result<std::string> LibraryIdForStart(const std::string& dir,
                                      const std::string& home,
                                      Entropy& entropy) {
  COVEN_ASSIGN_OR_RETURN(std::optional<PendingStart> pending,
                         ReadPendingStart(dir));
  if (pending && pending->home == home) return pending->library_id;
  std::array<std::uint8_t, 16> id{};
  entropy.Fill(id);
  return HexEncode(id);
}

Status WritePendingStart(const std::string& dir, const PendingStart& start) {
  nlohmann::json j = {
      {"format", 1}, {"library_id", start.library_id}, {"home", start.home}};
  return WriteFileDurably(dir + kFileName, j.dump() + "\n", 0600);
}

void ClearPendingStart(const std::string& dir) {
  std::remove((dir + kFileName).c_str());
}

}  // namespace coven::library
