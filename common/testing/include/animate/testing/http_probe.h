// Plain-socket HTTP clients for tests of the status endpoints, including the
// misbehaving ones a scrape endpoint must survive.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace animate::testing {

struct HttpReply {
  int status = 0;  // 0 when no reply came
  std::string headers;
  std::string body;
  std::chrono::milliseconds elapsed{0};
};

// GET (or another method) on 127.0.0.1:port, giving up after `timeout`.
HttpReply http_request(int port, const std::string& path, const std::string& method = "GET",
                       std::chrono::milliseconds timeout = std::chrono::seconds(10));

// Connections that hold the endpoint's attention without finishing: half a
// request line sent and nothing more, or a full request whose response is
// never read. Closed when destroyed.
class StuckClients {
 public:
  // The unread ones ask for `path`.
  StuckClients(int port, int half_requests, int unread_responses,
               const std::string& path = "/metrics");
  ~StuckClients();
  StuckClients(const StuckClients&) = delete;
  StuckClients& operator=(const StuckClients&) = delete;
  std::size_t connected() const { return fds_.size(); }

 private:
  std::vector<int> fds_;
};

// A loopback port nobody listens on right now.
int free_loopback_port();

}  // namespace animate::testing
