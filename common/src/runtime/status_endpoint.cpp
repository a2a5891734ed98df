#include "animate/runtime/status_endpoint.h"

#include <prometheus/text_serializer.h>

namespace animate::runtime {
namespace {

constexpr const char* kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

std::string metrics_text(const std::vector<std::shared_ptr<prometheus::Collectable>>& sources) {
  std::vector<prometheus::MetricFamily> families;
  for (const auto& source : sources) {
    for (auto& family : source->Collect()) families.push_back(std::move(family));
  }
  return prometheus::TextSerializer().Serialize(families);
}

HttpResponse probe_response(const std::function<ProbeState()>& probe, const char* ok_text) {
  const ProbeState state = probe ? probe() : ProbeState{};
  if (state.ok) return {200, "text/plain; charset=utf-8", std::string(ok_text) + "\n"};
  return {503, "text/plain; charset=utf-8", state.reason + "\n"};
}

}  // namespace

ProbeFlag::ProbeFlag(std::string initial_reason, bool ok) : state_{ok, std::move(initial_reason)} {}

void ProbeFlag::set_ok() {
  const std::lock_guard lock(mutex_);
  state_ = {true, ""};
}

void ProbeFlag::set_failing(std::string reason) {
  const std::lock_guard lock(mutex_);
  state_ = {false, std::move(reason)};
}

ProbeState ProbeFlag::state() const {
  const std::lock_guard lock(mutex_);
  return state_;
}

std::map<std::string, HttpHandler> StatusEndpoint::routes(const StatusSources& sources) {
  // The handlers copy what they need: they may run until the server's
  // destructor has joined its thread, which happens before sources_ goes.
  return {
      {"/metrics",
       [metrics = sources.metrics] {
         return HttpResponse{200, kMetricsContentType, metrics_text(metrics)};
       }},
      {"/healthz", [probe = sources.liveness] { return probe_response(probe, "ok"); }},
      {"/readyz", [probe = sources.readiness] { return probe_response(probe, "ready"); }},
  };
}

StatusEndpoint::StatusEndpoint(const std::string& listen, StatusSources sources,
                               HttpServerOptions options)
    : sources_(std::move(sources)), server_(listen, routes(sources_), options) {}

std::string StatusEndpoint::render_metrics() const {
  return metrics_text(sources_.metrics);
}

}  // namespace animate::runtime
