#include "authenticator.h"

#include "animate/jobs/ids.h"

namespace animate::server {
namespace {

std::string to_string(const grpc::string_ref& ref) {
  return std::string(ref.data(), ref.size());
}

}  // namespace

Authenticator::Authenticator(std::string keys_file) : keys_file_(std::move(keys_file)) {
  if (enabled()) reload();
}

void Authenticator::reload() {
  auto fresh = std::make_shared<const ApiKeys>(ApiKeys::load_file(keys_file_));
  std::lock_guard lock(mutex_);
  keys_ = std::move(fresh);
}

std::optional<std::string> Authenticator::tenant_of(const grpc::ServerContext& context) const {
  if (!enabled()) return std::string(jobs::kDefaultTenant);
  const auto key = presented_api_key(context);
  if (!key) return std::nullopt;
  std::shared_ptr<const ApiKeys> keys;
  {
    std::lock_guard lock(mutex_);
    keys = keys_;
  }
  return keys->tenant_for(*key);
}

std::optional<int> Authenticator::max_priority_of(const std::string& tenant) const {
  if (!enabled()) return std::nullopt;
  std::lock_guard lock(mutex_);
  return keys_->max_priority_of(tenant);
}

std::optional<std::string> presented_api_key(const grpc::ServerContext& context) {
  const auto& metadata = context.client_metadata();
  if (const auto found = metadata.find("authorization"); found != metadata.end()) {
    const std::string value = to_string(found->second);
    constexpr std::string_view kBearer = "Bearer ";
    if (value.size() > kBearer.size() && value.compare(0, kBearer.size(), kBearer) == 0) {
      return value.substr(kBearer.size());
    }
  }
  if (const auto found = metadata.find("x-api-key"); found != metadata.end()) {
    return to_string(found->second);
  }
  return std::nullopt;
}

}  // namespace animate::server
