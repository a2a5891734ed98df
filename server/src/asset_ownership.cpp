#include "asset_ownership.h"

#include <algorithm>

#include "animate/jobs/asset_store.h"
#include "animate/jobs/jobs_error.h"

namespace animate::server {

AssetOwnership::AssetOwnership(std::shared_ptr<jobs::ConnectionPool> pool, jobs::BlobStore& blobs,
                               std::chrono::milliseconds default_ttl)
    : pool_(std::move(pool)), blobs_(blobs), default_ttl_(default_ttl) {}

std::string AssetOwnership::key(const std::string& tenant, const std::string& asset_id) const {
  return pool_->options().key_prefix + "assetowner:" + tenant + ":" + asset_id;
}

void AssetOwnership::grant(const std::string& tenant, const std::string& asset_id) {
  // The asset's TTL grows when a job uses it (enqueue extends it); the
  // ownership follows so it never ends before the asset does.
  std::chrono::milliseconds ttl = default_ttl_;
  if (const auto info = blobs_.info(jobs::asset_blob_id(asset_id)); info && info->ttl) {
    ttl = std::max(ttl, *info->ttl);
  }
  auto connection = pool_->acquire();
  const auto reply = connection->command({"SET", key(tenant, asset_id), "1", "PX",
                                          std::to_string(std::max<long long>(ttl.count(), 1))});
  if (reply.is_error()) {
    throw jobs::JobsError(jobs::StatusCode::kInternal,
                          "recording asset ownership failed: " + std::string(reply.str()));
  }
}

bool AssetOwnership::owns(const std::string& tenant, const std::string& asset_id) {
  auto connection = pool_->acquire();
  const auto reply = connection->command({"EXISTS", key(tenant, asset_id)});
  return reply.is_integer() && reply.integer() == 1;
}

}  // namespace animate::server
