// Which tenants may use which assets. Assets are content addressed and stored
// once, but a tenant may only reference (and learn of) an asset it uploaded
// itself: "<prefix>assetowner:<tenant>:<asset id>" exists for each pair, with
// the asset's own TTL, so ownership ends when the asset does.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "animate/jobs/blob_store.h"
#include "animate/jobs/connection_pool.h"

namespace animate::server {

class AssetOwnership {
 public:
  AssetOwnership(std::shared_ptr<jobs::ConnectionPool> pool, jobs::BlobStore& blobs,
                 std::chrono::milliseconds default_ttl);

  // Records (or refreshes) that `tenant` owns the asset, for as long as the
  // asset itself lives.
  void grant(const std::string& tenant, const std::string& asset_id);
  bool owns(const std::string& tenant, const std::string& asset_id);

 private:
  std::string key(const std::string& tenant, const std::string& asset_id) const;

  std::shared_ptr<jobs::ConnectionPool> pool_;
  jobs::BlobStore& blobs_;
  std::chrono::milliseconds default_ttl_;
};

}  // namespace animate::server
