#include <gtest/gtest.h>
#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include "animate/runtime/status_endpoint.h"
#include "animate/testing/http_probe.h"

namespace animate::runtime {
namespace {

using testing::http_request;

TEST(StatusEndpoint, MetricsFromEveryCollectableAndBothProbes) {
  auto first = std::make_shared<prometheus::Registry>();
  auto second = std::make_shared<prometheus::Registry>();
  prometheus::BuildCounter()
      .Name("animate_a_total")
      .Help("a")
      .Register(*first)
      .Add({})
      .Increment(3);
  prometheus::BuildCounter().Name("animate_b_total").Help("b").Register(*second).Add({});
  auto ready = std::make_shared<ProbeFlag>("loading the model");
  StatusEndpoint endpoint("127.0.0.1:0",
                          {{first, second}, nullptr, [ready] { return ready->state(); }});

  const auto metrics = http_request(endpoint.port(), "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.headers.find("text/plain; version=0.0.4"), std::string::npos);
  EXPECT_NE(metrics.body.find("animate_a_total 3"), std::string::npos) << metrics.body;
  EXPECT_NE(metrics.body.find("animate_b_total 0"), std::string::npos);
  EXPECT_EQ(metrics.body, endpoint.render_metrics());

  EXPECT_EQ(http_request(endpoint.port(), "/healthz").body, "ok\n");
  auto readyz = http_request(endpoint.port(), "/readyz");
  EXPECT_EQ(readyz.status, 503);
  EXPECT_EQ(readyz.body, "loading the model\n");
  ready->set_ok();
  readyz = http_request(endpoint.port(), "/readyz");
  EXPECT_EQ(readyz.status, 200);
  EXPECT_EQ(readyz.body, "ready\n");
  ready->set_failing("draining");
  EXPECT_EQ(http_request(endpoint.port(), "/readyz").body, "draining\n");
}

TEST(StatusEndpoint, FailingLiveness) {
  StatusEndpoint endpoint("127.0.0.1:0", {{},
                                          [] {
                                            return ProbeState{false, "event loop stuck"};
                                          },
                                          nullptr});
  const auto healthz = http_request(endpoint.port(), "/healthz");
  EXPECT_EQ(healthz.status, 503);
  EXPECT_EQ(healthz.body, "event loop stuck\n");
  EXPECT_EQ(http_request(endpoint.port(), "/readyz").status, 200);
}

}  // namespace
}  // namespace animate::runtime
