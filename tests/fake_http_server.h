// A small HTTP/1.1 server on 127.0.0.1 (free port) for tests that need to
// see or shape raw requests: the SigV4 known-answer test captures requests,
// and fault tests put it in front of a real server as a proxy that can fail
// or stall. One thread per connection; every reply closes its connection.
#ifndef COVEN_TESTS_FAKE_HTTP_SERVER_H_
#define COVEN_TESTS_FAKE_HTTP_SERVER_H_

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "coven/bytes.h"

namespace coven::testing {

struct FakeRequest {
  std::string method;
  std::string target;  ///< Path and query, as sent.
  std::vector<std::pair<std::string, std::string>> headers;  ///< As sent.
  Bytes body;
  /// The first value of header `name` (case-insensitive), or "".
  std::string Header(std::string_view name) const;
};

struct FakeResponse {
  long status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  Bytes body;
  /// Send no Content-Length: the body ends when the connection closes.
  bool no_content_length = false;
};

class FakeHttpServer {
 public:
  using Handler = std::function<FakeResponse(const FakeRequest&)>;
  /// Starts listening; port() is 0 if that failed.
  explicit FakeHttpServer(Handler handler);
  /// Stops accepting and joins every connection thread.
  ~FakeHttpServer();

  int port() const { return port_; }
  std::string endpoint() const {
    return "http://127.0.0.1:" + std::to_string(port_);
  }
  /// Every request received so far.
  std::vector<FakeRequest> requests();

  /// A handler that forwards each request to `upstream` ("http://h:p") and
  /// relays the reply.
  static FakeResponse Forward(const std::string& upstream,
                              const FakeRequest& request);

 private:
  void AcceptLoop();
  void Serve(int fd);

  Handler handler_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
  std::mutex mutex_;
  std::vector<std::thread> workers_;   // Guarded by mutex_.
  std::vector<FakeRequest> requests_;  // Guarded by mutex_.
};

}  // namespace coven::testing

#endif  // COVEN_TESTS_FAKE_HTTP_SERVER_H_
