// A thread-safe pool of RedisConnections for multi-threaded users (the gRPC
// server). Borrowing returns a handle that gives the connection back when it
// goes out of scope; a connection that failed mid-command reconnects on its
// next use, so broken ones are not worth discarding.
#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include "animate/jobs/redis_connection.h"

namespace animate::jobs {

class ConnectionPool : public std::enable_shared_from_this<ConnectionPool> {
 public:
  class Handle {
   public:
    Handle(std::shared_ptr<ConnectionPool> pool, std::unique_ptr<RedisConnection> connection);
    ~Handle();
    Handle(Handle&&) noexcept = default;
    Handle& operator=(Handle&&) noexcept = default;
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;

    RedisConnection& operator*() const { return *connection_; }
    RedisConnection* operator->() const { return connection_.get(); }

   private:
    std::shared_ptr<ConnectionPool> pool_;
    std::unique_ptr<RedisConnection> connection_;
  };

  // max_idle: connections kept open when returned; more are created on
  // demand (blocking reads hold theirs for the block time).
  static std::shared_ptr<ConnectionPool> create(RedisOptions options, std::size_t max_idle = 8);

  Handle acquire();
  const RedisOptions& options() const { return options_; }

 private:
  ConnectionPool(RedisOptions options, std::size_t max_idle);
  void give_back(std::unique_ptr<RedisConnection> connection);

  RedisOptions options_;
  std::size_t max_idle_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<RedisConnection>> idle_;
};

}  // namespace animate::jobs
