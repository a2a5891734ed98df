// A private redis-server for the server's integration tests: free loopback
// port, fresh temp directory (removed afterwards), no persistence needed.
// Never the system's Redis. Killed when destroyed.
#pragma once

#include <sys/types.h>

#include <string>

namespace animate::server::testing {

class RedisProcess {
 public:
  RedisProcess();
  ~RedisProcess();
  RedisProcess(const RedisProcess&) = delete;
  RedisProcess& operator=(const RedisProcess&) = delete;

  int port() const { return port_; }
  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_) + "/0"; }

 private:
  bool launch();
  void kill_now();

  std::string dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

// A loopback port nobody listens on right now.
int free_loopback_port();

}  // namespace animate::server::testing
