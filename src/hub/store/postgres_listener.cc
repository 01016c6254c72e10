#include "hub/store/postgres_listener.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <utility>

namespace coven::hub::store {
namespace {

constexpr int kPollMs = 1000;
constexpr int kFirstBackoffMs = 50;
constexpr int kMaxBackoffMs = 2000;

bool ParseU64(std::string_view text, std::uint64_t* out) {
  const char* end = text.data() + text.size();
  auto [ptr, error] = std::from_chars(text.data(), end, *out);
  return error == std::errc() && ptr == end && !text.empty();
}

}  // namespace

std::string ChangePayload(const Change& change) {
  if (change.members) return change.space + "\tmembers";
  return change.space + "\t" + std::to_string(change.author) + "\t" +
         std::to_string(change.log_seq);
}

Change ParseChangePayload(std::string_view payload) {
  // Read from the right, so a space name holding a tab still parses.
  constexpr std::string_view kMembers = "\tmembers";
  Change change;
  if (payload.size() > kMembers.size() && payload.ends_with(kMembers)) {
    change.space =
        std::string(payload.substr(0, payload.size() - kMembers.size()));
    change.members = true;
    return change;
  }
  const std::size_t tab2 = payload.rfind('\t');
  if (tab2 == std::string_view::npos || tab2 == 0) return Change{};
  const std::size_t tab1 = payload.rfind('\t', tab2 - 1);
  if (tab1 == std::string_view::npos || tab1 == 0 ||
      !ParseU64(payload.substr(tab1 + 1, tab2 - tab1 - 1), &change.author) ||
      !ParseU64(payload.substr(tab2 + 1), &change.log_seq)) {
    return Change{};
  }
  change.space = std::string(payload.substr(0, tab1));
  return change;
}

PostgresListener::PostgresListener(std::string url, WatcherSlot* watcher)
    : url_(std::move(url)), watcher_(watcher) {}

Result<std::unique_ptr<PgConnection>> PostgresListener::Listen(
    const std::string& url) {
  COVEN_ASSIGN_OR_RETURN(std::unique_ptr<PgConnection> conn,
                         PgConnection::Connect(url));
  COVEN_RETURN_IF_ERROR(
      conn->ExecScript(std::string("LISTEN ") + kNotifyChannel));
  return conn;
}

Result<std::unique_ptr<PostgresListener>> PostgresListener::Start(
    std::string url, WatcherSlot* watcher) {
  std::unique_ptr<PostgresListener> listener(
      new PostgresListener(std::move(url), watcher));
  COVEN_ASSIGN_OR_RETURN(listener->conn_, Listen(listener->url_));
  listener->wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (listener->wake_fd_ < 0) {
    return UnavailableError("cannot create an eventfd for the listener");
  }
  listener->thread_ = std::thread([l = listener.get()] { l->Loop(); });
  return listener;
}

PostgresListener::~PostgresListener() {
  stop_ = true;
  if (wake_fd_ >= 0) {
    const std::uint64_t one = 1;
    [[maybe_unused]] ssize_t n = write(wake_fd_, &one, sizeof(one));
  }
  if (thread_.joinable()) thread_.join();
  conn_.reset();
  if (wake_fd_ >= 0) close(wake_fd_);
}

bool PostgresListener::Pause(int ms) {
  pollfd fd{wake_fd_, POLLIN, 0};
  poll(&fd, 1, ms);
  return !stop_;
}

void PostgresListener::Loop() {
  int backoff = kFirstBackoffMs;
  while (!stop_) {
    if (!conn_) {
      if (!Pause(backoff)) break;
      Result<std::unique_ptr<PgConnection>> conn = Listen(url_);
      if (!conn.ok()) {
        backoff = std::min(backoff * 2, kMaxBackoffMs);
        continue;
      }
      conn_ = std::move(*conn);
      backoff = kFirstBackoffMs;
      // Whatever was announced while we were away is lost: re-read.
      watcher_->Call(Change{});
      continue;
    }
    pollfd fds[2] = {{PQsocket(conn_->get()), POLLIN, 0},
                     {wake_fd_, POLLIN, 0}};
    if (fds[0].fd < 0) {
      conn_.reset();
      continue;
    }
    poll(fds, 2, kPollMs);
    if (stop_) break;
    if (PQconsumeInput(conn_->get()) == 0 || conn_->Broken()) {
      conn_.reset();
      continue;
    }
    while (PGnotify* notify = PQnotifies(conn_->get())) {
      const Change change = ParseChangePayload(notify->extra);
      PQfreemem(notify);
      if (stop_) break;
      watcher_->Call(change);
    }
  }
}

}  // namespace coven::hub::store
