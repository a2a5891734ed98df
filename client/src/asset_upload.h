// Client-streaming UploadAsset: header (kind, size, sha256) then 1 MiB chunks.
// When the server answers early (deduplicated content, or a rejection after
// the header) the client stops sending and reads the answer.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "animate/v1/animate_service.grpc.pb.h"
#include "connection.h"

namespace animate::client {

struct UploadSource {
  animate::v1::AssetKind kind = animate::v1::ASSET_KIND_UNSPECIFIED;
  std::string filename;      // informational only
  std::string content_type;  // informational only
  std::string bytes;
  // Hash sent in the header; empty = the real one (tests send a wrong one).
  std::string sha256_override;
};

// Reads the file, guesses the content type from its name.
UploadSource upload_source_from_file(animate::v1::AssetKind kind,
                                     const std::filesystem::path& path);

// Throws RpcError on failure.
animate::v1::UploadAssetResponse upload_asset(animate::v1::AnimateService::Stub& stub,
                                              const ConnectionOptions& options,
                                              const UploadSource& source,
                                              std::size_t chunk_bytes = 1 << 20);

// "reference-image" | "pose-video" | "reference-pose" -> kind (UsageError otherwise).
animate::v1::AssetKind parse_asset_kind(const std::string& text);

}  // namespace animate::client
