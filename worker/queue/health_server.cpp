#include "worker/queue/health_server.h"

#include <grpcpp/completion_queue.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>

#include <stdexcept>

namespace animate::worker {

HealthServer::HealthServer(const std::string& listen) {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  builder.AddListeningPort(listen, grpc::InsecureServerCredentials(), &port_);
  queue_ = builder.AddCompletionQueue(/*is_frequently_polled=*/true);
  server_ = builder.BuildAndStart();
  if (!server_ || port_ == 0) {
    queue_->Shutdown();
    void* tag = nullptr;
    bool ok = false;
    while (queue_->Next(&tag, &ok)) {
    }
    throw std::runtime_error("--health-listen " + listen + ": cannot listen");
  }
  poller_ = std::thread([this] {
    void* tag = nullptr;
    bool ok = false;
    while (queue_->Next(&tag, &ok)) {
    }
  });
  set_serving(false);
}

HealthServer::~HealthServer() {
  server_->Shutdown();
  queue_->Shutdown();
  poller_.join();
}

void HealthServer::set_serving(bool serving) {
  serving_ = serving;
  // The overall status ("") is what Kubernetes' gRPC probes and grpc_health_probe ask for.
  server_->GetHealthCheckService()->SetServingStatus(serving);
}

}  // namespace animate::worker
