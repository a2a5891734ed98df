// The HTTP server under well-behaved and misbehaving clients. The property
// that matters for scrapes: clients that stall (half a request, a response
// never read) cannot delay the next scrape. Timeouts are set far above the
// waits checked here, so a server that served one connection at a time would
// fail by tens of seconds, not by noise.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "animate/runtime/http_server.h"
#include "animate/testing/http_probe.h"

namespace animate::runtime {
namespace {

using namespace std::chrono_literals;
using testing::http_request;

std::map<std::string, HttpHandler> routes(std::atomic<int>& calls) {
  return {{"/metrics",
           [&calls] {
             ++calls;
             return HttpResponse{200, "text/plain; version=0.0.4", "x_total 1\n"};
           }},
          {"/big",
           [] {
             return HttpResponse{200, "text/plain", std::string(4 << 20, 'b')};
           }},
          {"/throws", []() -> HttpResponse { throw std::runtime_error("collector broke"); }}};
}

TEST(HttpServer, AnswersGetAndHeadOnItsPathsOnly) {
  std::atomic<int> calls{0};
  HttpServer server("127.0.0.1:0", routes(calls));
  ASSERT_GT(server.port(), 0);
  const auto reply = http_request(server.port(), "/metrics?name=x");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, "x_total 1\n");
  EXPECT_NE(reply.headers.find("Content-Type: text/plain; version=0.0.4"), std::string::npos);
  EXPECT_NE(reply.headers.find("Content-Length: 10"), std::string::npos);

  const auto head = http_request(server.port(), "/metrics", "HEAD");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.body, "");

  const auto missing = http_request(server.port(), "/nope");
  EXPECT_EQ(missing.status, 404);
  EXPECT_NE(missing.body.find("/metrics"), std::string::npos) << "it lists what it has";

  const auto post = http_request(server.port(), "/metrics", "POST");
  EXPECT_EQ(post.status, 405);
  EXPECT_NE(post.headers.find("Allow: GET, HEAD"), std::string::npos);

  EXPECT_EQ(http_request(server.port(), "/throws").status, 500);
  EXPECT_EQ(http_request(server.port(), "/big").body.size(), std::size_t{4} << 20);
  EXPECT_EQ(calls.load(), 2);
}

TEST(HttpServer, StalledClientsDoNotDelayTheNextScrape) {
  std::atomic<int> calls{0};
  HttpServerOptions options;
  options.request_timeout = 60s;
  options.response_timeout = 60s;
  HttpServer server("127.0.0.1:0", routes(calls), options);
  // 20 clients that sent half a request line, 5 that asked and never read.
  const testing::StuckClients stuck(server.port(), 20, 5);
  ASSERT_EQ(stuck.connected(), 25u);
  // Askers of /big that never read: their 4 MiB responses cannot all be sent.
  const testing::StuckClients big_readers(server.port(), 0, 2, "/big");
  std::vector<std::thread> scrapers;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i) {
    scrapers.emplace_back([&] {
      const auto reply = http_request(server.port(), "/metrics", "GET", 20s);
      if (reply.status == 200 && reply.elapsed < 10s) ++ok;
    });
  }
  for (auto& scraper : scrapers) scraper.join();
  EXPECT_EQ(ok.load(), 8) << "every concurrent scrape answered while 25 clients stall";
  EXPECT_EQ(server.abandoned_connections(), 0u) << "nobody timed out yet (60 s)";
}

TEST(HttpServer, AtCapacityTheOldestStalledClientMakesRoom) {
  std::atomic<int> calls{0};
  HttpServerOptions options;
  options.max_connections = 4;
  options.request_timeout = 60s;
  HttpServer server("127.0.0.1:0", routes(calls), options);
  const testing::StuckClients stuck(server.port(), 10, 0);
  const auto reply = http_request(server.port(), "/metrics", "GET", 20s);
  EXPECT_EQ(reply.status, 200);
  EXPECT_LT(reply.elapsed, 10s);
  EXPECT_GE(server.abandoned_connections(), 6u);
}

TEST(HttpServer, SlowClientsAreCutAtTheirDeadline) {
  std::atomic<int> calls{0};
  HttpServerOptions options;
  options.request_timeout = 200ms;
  HttpServer server("127.0.0.1:0", routes(calls), options);
  const testing::StuckClients stuck(server.port(), 3, 0);
  std::this_thread::sleep_for(1500ms);
  EXPECT_EQ(server.abandoned_connections(), 3u);
}

TEST(HttpServer, OversizedRequestsAreRefused) {
  std::atomic<int> calls{0};
  HttpServer server("127.0.0.1:0", routes(calls));
  const auto reply = http_request(server.port(), "/metrics?" + std::string(20000, 'q'));
  EXPECT_EQ(reply.status, 431);
}

TEST(HttpServer, ABusyAddressIsAClearError) {
  std::atomic<int> calls{0};
  HttpServer first("127.0.0.1:0", routes(calls));
  const std::string address = "127.0.0.1:" + std::to_string(first.port());
  try {
    HttpServer second(address, routes(calls));
    FAIL() << "bound twice";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("cannot serve HTTP on " + address), std::string::npos)
        << error.what();
  }
  EXPECT_THROW(HttpServer("no-port", routes(calls)), std::runtime_error);
}

}  // namespace
}  // namespace animate::runtime
