// A private redis-server for one test: a free loopback port, a fresh temp
// directory, AOF on (appendfsync always), no RDB snapshots. Never the
// system's Redis. Killed (and its directory removed) when destroyed.
#pragma once

#include <sys/types.h>

#include <string>
#include <utility>

namespace animate::jobs::testing {

class RedisServer {
 public:
  // password: non-empty = requirepass (clients must AUTH). port: 0 = a free
  // one; a given port is used as is (no retry elsewhere).
  explicit RedisServer(std::string password = "", int port = 0);
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  int port() const { return port_; }
  const std::string& dir() const { return dir_; }
  // redis://[:password@]127.0.0.1:port/0
  std::string url() const;

  // SIGSTOP / SIGCONT: a Redis that accepts connections but answers nothing
  // (what a stalled or failing-over Redis looks like to a client).
  void pause();
  void resume();

  // kill -9 (no shutdown, no final AOF rewrite), then start again on the
  // same port and directory: what a crash and a restart look like.
  void crash_and_restart();

 private:
  void start();
  void stop(int signal);
  bool wait_ready(int timeout_ms) const;

  std::string binary_;
  std::string password_;
  std::string dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace animate::jobs::testing
