#include "animate/jobs/connection_pool.h"

#include <utility>

namespace animate::jobs {

ConnectionPool::Handle::Handle(std::shared_ptr<ConnectionPool> pool,
                               std::unique_ptr<RedisConnection> connection)
    : pool_(std::move(pool)), connection_(std::move(connection)) {}

ConnectionPool::Handle::~Handle() {
  if (pool_ && connection_) pool_->give_back(std::move(connection_));
}

std::shared_ptr<ConnectionPool> ConnectionPool::create(RedisOptions options, std::size_t max_idle) {
  // make_shared cannot reach the private constructor.
  return std::shared_ptr<ConnectionPool>(new ConnectionPool(std::move(options), max_idle));
}

ConnectionPool::ConnectionPool(RedisOptions options, std::size_t max_idle)
    : options_(std::move(options)), max_idle_(max_idle) {}

ConnectionPool::Handle ConnectionPool::acquire() {
  std::unique_ptr<RedisConnection> connection;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!idle_.empty()) {
      connection = std::move(idle_.back());
      idle_.pop_back();
    }
  }
  if (!connection) connection = std::make_unique<RedisConnection>(options_);
  return Handle(shared_from_this(), std::move(connection));
}

void ConnectionPool::give_back(std::unique_ptr<RedisConnection> connection) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (idle_.size() < max_idle_) idle_.push_back(std::move(connection));
}

}  // namespace animate::jobs
