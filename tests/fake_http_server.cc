#include "fake_http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cstring>

#include "home/http/http_client.h"

namespace coven::testing {
namespace {

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(c));
  return out;
}

bool SendAll(int fd, const std::string& data) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t n =
        ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

const char* Reason(long status) {
  switch (status) {
    case 200:
      return "OK";
    case 204:
      return "No Content";
    case 206:
      return "Partial Content";
    case 404:
      return "Not Found";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "Status";
  }
}

}  // namespace

std::string FakeRequest::Header(std::string_view name) const {
  const std::string wanted = Lower(name);
  for (const auto& [key, value] : headers) {
    if (Lower(key) == wanted) return value;
  }
  return "";
}

FakeHttpServer::FakeHttpServer(Handler handler) : handler_(std::move(handler)) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (listen_fd_ < 0 ||
      ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) !=
          0 ||
      ::listen(listen_fd_, 64) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) !=
          0) {
    return;
  }
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { AcceptLoop(); });
}

FakeHttpServer::~FakeHttpServer() {
  stopping_ = true;
  if (acceptor_.joinable()) acceptor_.join();
  if (listen_fd_ >= 0) ::close(listen_fd_);
  std::vector<std::thread> workers;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    workers.swap(workers_);
  }
  for (std::thread& worker : workers) worker.join();
}

std::vector<FakeRequest> FakeHttpServer::requests() {
  std::lock_guard<std::mutex> lock(mutex_);
  return requests_;
}

void FakeHttpServer::AcceptLoop() {
  while (!stopping_) {
    pollfd pfd{listen_fd_, POLLIN, 0};
    if (::poll(&pfd, 1, 50) <= 0) continue;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    std::lock_guard<std::mutex> lock(mutex_);
    workers_.emplace_back([this, fd] { Serve(fd); });
  }
}

void FakeHttpServer::Serve(int fd) {
  std::string data;
  char buffer[65536];
  std::size_t header_end;
  while ((header_end = data.find("\r\n\r\n")) == std::string::npos) {
    const ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) {
      ::close(fd);
      return;
    }
    data.append(buffer, static_cast<std::size_t>(n));
  }
  FakeRequest request;
  std::size_t line_end = data.find("\r\n");
  const std::string first = data.substr(0, line_end);
  const std::size_t sp1 = first.find(' '), sp2 = first.rfind(' ');
  request.method = first.substr(0, sp1);
  request.target = first.substr(sp1 + 1, sp2 - sp1 - 1);
  std::size_t pos = line_end + 2;
  while (pos < header_end) {
    line_end = data.find("\r\n", pos);
    const std::string line = data.substr(pos, line_end - pos);
    const std::size_t colon = line.find(':');
    std::string value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    request.headers.emplace_back(line.substr(0, colon), value);
    pos = line_end + 2;
  }
  std::size_t length = 0;
  if (std::string cl = request.Header("content-length"); !cl.empty()) {
    length = std::stoull(cl);
  }
  if (Lower(request.Header("expect")) == "100-continue") {
    SendAll(fd, "HTTP/1.1 100 Continue\r\n\r\n");
  }
  std::string body = data.substr(header_end + 4);
  while (body.size() < length) {
    const ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) break;
    body.append(buffer, static_cast<std::size_t>(n));
  }
  request.body = ToBytes(body);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    requests_.push_back(request);
  }
  FakeResponse response = handler_(request);
  std::string out = "HTTP/1.1 " + std::to_string(response.status) + " " +
                    Reason(response.status) + "\r\n";
  for (const auto& [key, value] : response.headers) {
    out += key + ": " + value + "\r\n";
  }
  bool has_length = false;
  for (const auto& header : response.headers) {
    has_length = has_length || Lower(header.first) == "content-length";
  }
  if (!has_length && !response.no_content_length) {
    out += "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
  }
  out += "Connection: close\r\n\r\n";
  if (request.method != "HEAD") out += std::string(AsString(response.body));
  SendAll(fd, out);
  ::shutdown(fd, SHUT_WR);
  ::close(fd);
}

FakeResponse FakeHttpServer::Forward(const std::string& upstream,
                                     const FakeRequest& request) {
  home::http::HttpRequest forward;
  forward.method = request.method;
  forward.url = upstream + request.target;
  for (const auto& [key, value] : request.headers) {
    const std::string name = Lower(key);
    if (name == "host" || name == "content-length" || name == "connection" ||
        name == "expect" || name == "transfer-encoding") {
      continue;
    }
    forward.headers.push_back(key + ": " + value);
  }
  forward.body = request.body;
  forward.has_body = !request.body.empty();
  static home::http::HttpClient client;
  Result<home::http::HttpResponse> got = client.Perform(forward);
  FakeResponse response;
  if (!got.ok()) {
    response.status = 502;
    return response;
  }
  response.status = got->status;
  for (const auto& [key, value] : got->headers) {
    if ((key == "content-length" && request.method != "HEAD") ||
        key == "connection" || key == "transfer-encoding" ||
        key == "keep-alive") {
      continue;
    }
    response.headers.emplace_back(key, value);
  }
  response.body = std::move(got->body);
  return response;
}

}  // namespace coven::testing
