#include "home/http/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <optional>

namespace coven::home::http {
namespace {

std::once_flag global_init;

struct Upload {
  ByteView data;
  std::size_t offset = 0;
};

std::size_t ReadBody(char* buffer, std::size_t size, std::size_t count,
                     void* user) {
  auto* upload = static_cast<Upload*>(user);
  const std::size_t n =
      std::min(size * count, upload->data.size() - upload->offset);
  if (n > 0) std::memcpy(buffer, upload->data.data() + upload->offset, n);
  upload->offset += n;
  return n;
}

int SeekBody(void* user, curl_off_t offset, int origin) {
  auto* upload = static_cast<Upload*>(user);
  if (origin != SEEK_SET || offset < 0 ||
      static_cast<std::uint64_t>(offset) > upload->data.size()) {
    return CURL_SEEKFUNC_FAIL;
  }
  upload->offset = static_cast<std::size_t>(offset);
  return CURL_SEEKFUNC_OK;
}

// The most header lines one response may carry.
constexpr std::size_t kMaxHeaderLines = 256;

// What the body and header callbacks share for one transfer.
struct Receive {
  CURL* curl = nullptr;
  HttpResponse* response = nullptr;
  std::uint64_t max_body_bytes = 0;
  bool keep_prefix = false;
  bool no_body = false;  // HEAD: a Content-Length describes no body.
  std::size_t header_lines = 0;
  // Set when the transfer was ended because of the limit.
  bool over_limit = false;
  bool kept_prefix = false;
  std::optional<std::uint64_t> declared_length;
};

bool IsSuccess(long status) { return status >= 200 && status < 300; }

long StatusSoFar(CURL* curl) {
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  return status;
}

std::size_t WriteBody(char* data, std::size_t size, std::size_t count,
                      void* user) {
  auto* receive = static_cast<Receive*>(user);
  Bytes& body = receive->response->body;
  const std::size_t n = size * count;
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(data);
  if (!IsSuccess(StatusSoFar(receive->curl))) {
    // An error reply: keep its start (for the message), drop the rest.
    const std::size_t room =
        body.size() < kMaxErrorBodyBytes ? kMaxErrorBodyBytes - body.size() : 0;
    body.insert(body.end(), bytes, bytes + std::min(n, room));
    return n;
  }
  const std::uint64_t room = receive->max_body_bytes > body.size()
                                 ? receive->max_body_bytes - body.size()
                                 : 0;
  if (n > room) {
    if (receive->keep_prefix) {
      body.insert(body.end(), bytes, bytes + room);
      receive->kept_prefix = true;
    } else {
      receive->over_limit = true;
    }
    return 0;  // Ends the transfer (CURLE_WRITE_ERROR).
  }
  body.insert(body.end(), bytes, bytes + n);
  return n;
}

std::size_t WriteHeader(char* data, std::size_t size, std::size_t count,
                        void* user) {
  auto* receive = static_cast<Receive*>(user);
  HttpResponse* response = receive->response;
  std::string_view line(data, size * count);
  if (line.starts_with("HTTP/")) {
    response->headers.clear();  // A new response (after 100 Continue).
    receive->header_lines = 0;
    return size * count;
  }
  if (line == "\r\n" || line == "\n") {
    // The end of the headers: a 2xx body announced larger than the limit is
    // not read at all.
    auto length = response->headers.find("content-length");
    if (!receive->no_body && length != response->headers.end() &&
        IsSuccess(StatusSoFar(receive->curl))) {
      const std::uint64_t declared =
          std::strtoull(length->second.c_str(), nullptr, 10);
      if (declared > receive->max_body_bytes && !receive->keep_prefix) {
        receive->declared_length = declared;
        receive->over_limit = true;
        return 0;  // Ends the transfer before any body byte.
      }
    }
    return size * count;
  }
  if (++receive->header_lines > kMaxHeaderLines) return size * count;
  const std::size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string name(line.substr(0, colon));
    for (char& c : name) c = static_cast<char>(std::tolower(c));
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
      value.remove_prefix(1);
    }
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' ||
                              value.back() == ' ')) {
      value.remove_suffix(1);
    }
    response->headers[name] = std::string(value);
  }
  return size * count;
}

}  // namespace

HttpClient::HttpClient() {
  std::call_once(global_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

HttpClient::~HttpClient() {
  for (void* handle : idle_) curl_easy_cleanup(static_cast<CURL*>(handle));
}

void* HttpClient::Acquire() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!idle_.empty()) {
      void* handle = idle_.back();
      idle_.pop_back();
      return handle;
    }
  }
  return curl_easy_init();
}

void HttpClient::Release(void* handle) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (idle_.size() < 16) {
    idle_.push_back(handle);
  } else {
    curl_easy_cleanup(static_cast<CURL*>(handle));
  }
}

Result<HttpResponse> HttpClient::Perform(const HttpRequest& request) {
  CURL* curl = static_cast<CURL*>(Acquire());
  if (curl == nullptr) return InternalError("curl_easy_init failed");
  curl_easy_reset(curl);  // Keeps the connection cache.

  HttpResponse response;
  Upload upload{request.body, 0};
  curl_slist* headers = nullptr;
  for (const std::string& header : request.headers) {
    headers = curl_slist_append(headers, header.c_str());
  }
  char error[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(request.connect_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(request.timeout.count()));
  Receive receive;
  receive.curl = curl;
  receive.response = &response;
  receive.max_body_bytes = request.max_body_bytes;
  receive.keep_prefix = request.keep_prefix;
  receive.no_body = request.method == "HEAD";
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, WriteBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &receive);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, WriteHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &receive);
  if (!request.userpwd.empty()) {
    curl_easy_setopt(curl, CURLOPT_USERPWD, request.userpwd.c_str());
    if (request.aws_sigv4.empty()) {
      curl_easy_setopt(curl, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    }
  }
  if (!request.aws_sigv4.empty()) {
    curl_easy_setopt(curl, CURLOPT_AWS_SIGV4, request.aws_sigv4.c_str());
  }

  if (request.method == "GET") {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  } else if (request.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (request.method == "PUT") {
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, ReadBody);
    curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
    curl_easy_setopt(curl, CURLOPT_SEEKFUNCTION, SeekBody);
    curl_easy_setopt(curl, CURLOPT_SEEKDATA, &upload);
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
  } else {
    if (request.has_body || request.method == "POST") {
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS,
                       request.body.empty() ? ""
                                            : reinterpret_cast<const char*>(
                                                  request.body.data()));
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.body.size()));
    }
    if (request.method != "POST") {
      curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }
  }

  CURLcode code = curl_easy_perform(curl);
  curl_slist_free_all(headers);
  if (receive.over_limit) {
    // The connection is mid-reply: drop it rather than reuse it.
    curl_easy_cleanup(curl);
    return ResourceExhaustedError(
        request.method + " reply body " +
        (receive.declared_length
             ? "is " + std::to_string(*receive.declared_length) + " bytes"
             : std::string("is larger")) +
        ", over the limit of " + std::to_string(request.max_body_bytes) +
        " bytes; it was not read");
  }
  if (receive.kept_prefix) {
    // Ended on purpose with the prefix kept; the connection is mid-reply.
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
    curl_easy_cleanup(curl);
    return response;
  }
  if (code != CURLE_OK) {
    std::string reason = error[0] != '\0' ? error : curl_easy_strerror(code);
    Release(curl);
    const std::string message = request.method + " failed: " + reason +
                                " (curl error " +
                                std::to_string(static_cast<int>(code)) + ")";
    switch (code) {
      case CURLE_OPERATION_TIMEDOUT:
        return DeadlineExceededError(message);
      case CURLE_URL_MALFORMAT:
      case CURLE_UNSUPPORTED_PROTOCOL:
        return InvalidArgumentError(message);
      default:
        return UnavailableError(message);
    }
  }
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  curl_off_t retry_after = 0;
  if (curl_easy_getinfo(curl, CURLINFO_RETRY_AFTER, &retry_after) == CURLE_OK &&
      retry_after > 0) {
    response.retry_after_seconds = static_cast<std::int64_t>(retry_after);
  }
  Release(curl);
  return response;
}

}  // namespace coven::home::http
