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

// The scenario both binaries' process tests run on their status endpoint:
// while 20 clients hold half-sent requests and 5 never read their responses,
// `scrapers` concurrent GET /metrics are made; returns how many were answered
// 200, within 10 s, with `must_contain` in the body. An endpoint that serves
// one connection at a time answers none of them in time.
int scrapes_answered_while_clients_stall(int port, const std::string& must_contain,
                                         int scrapers = 4);

// A loopback port nobody listens on right now.
int free_loopback_port();

}  // namespace animate::testing
