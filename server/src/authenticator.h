// Who is calling: the tenant behind the API key in the call's metadata
// ("authorization: Bearer <key>" or "x-api-key: <key>"), or the tenant
// "default" when the server runs without a keys file. The key set can be
// swapped at run time (SIGHUP) while calls are being served.
#pragma once

#include <grpcpp/server_context.h>

#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "api_keys.h"

namespace animate::server {

class Authenticator {
 public:
  // keys_file empty = no authentication.
  explicit Authenticator(std::string keys_file);

  bool enabled() const { return !keys_file_.empty(); }

  // The caller's tenant; nullopt when a key is required and missing or
  // unknown (the caller answers UNAUTHENTICATED).
  std::optional<std::string> tenant_of(const grpc::ServerContext& context) const;

  // The tenant's priority cap from the keys file, if its line gives one.
  std::optional<int> max_priority_of(const std::string& tenant) const;

  // Re-reads the keys file; on error keeps the old keys and rethrows.
  void reload();

 private:
  std::string keys_file_;
  mutable std::mutex mutex_;
  std::shared_ptr<const ApiKeys> keys_;
};

// The key a call presents, if any (Bearer token first, then x-api-key).
std::optional<std::string> presented_api_key(const grpc::ServerContext& context);

}  // namespace animate::server
