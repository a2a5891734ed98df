// Uploaded inputs (reference image, pose video, reference pose image),
// content addressed: the id is "<kind tag>_<sha256>", so identical content of
// the same kind is stored once. The server validates (decodes / probes) an
// upload completely before calling put(); put() writes the bytes under a
// temporary blob and renames it into place atomically, so readers never see
// a partial asset and an interrupted put leaves only a short-lived temporary
// blob (deleted on the spot when the writer can, else expired).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "animate/jobs/blob_store.h"

namespace animate::jobs {

enum class AssetKind { kReferenceImage, kPoseVideo, kReferencePoseImage };

// "refimg", "posevid", "refpose" (the id prefix).
std::string_view asset_kind_tag(AssetKind kind);
std::optional<AssetKind> parse_asset_kind_tag(std::string_view tag);

// What validation found; stored with the asset.
struct MediaInfo {
  std::string format;
  std::string codec;
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  std::uint32_t frame_count = 0;
  double fps = 0.0;
  std::int64_t duration_ms = 0;
};

struct AssetInfo {
  std::string asset_id;
  AssetKind kind = AssetKind::kReferenceImage;
  std::uint64_t size_bytes = 0;
  std::string sha256;  // lowercase hex
  std::string content_type;
  MediaInfo media;
  std::int64_t create_ms = 0;
  std::int64_t expire_ms = 0;
};

std::string make_asset_id(AssetKind kind, std::string_view sha256_hex);
bool is_valid_asset_id(std::string_view asset_id);

struct PutAssetResult {
  AssetInfo asset;
  bool deduplicated = false;  // it was there already (its TTL was refreshed)
};

class AssetStore {
 public:
  explicit AssetStore(BlobStore& blobs);

  // Existing asset of this kind and content (TTL refreshed), if any: lets
  // the server answer an upload right after its header.
  std::optional<AssetInfo> find(AssetKind kind, std::string_view sha256_hex);
  std::optional<AssetInfo> get(std::string_view asset_id);

  // Stores validated bytes. The caller has checked that bytes hash to
  // info.sha256 and match info.size_bytes (kInvalidArgument otherwise).
  PutAssetResult put(const AssetInfo& info, std::string_view bytes);

  // Up to max_bytes of the asset from offset (the worker reads assets in
  // pieces). Throws kNotFound.
  std::string read(std::string_view asset_id, std::uint64_t offset, std::uint64_t max_bytes);
  // The whole asset.
  std::string read_all(std::string_view asset_id);

  bool remove(std::string_view asset_id);

 private:
  BlobStore& blobs_;
};

// Blob ids of assets and results.
std::string asset_blob_id(std::string_view asset_id);
std::string result_blob_id(std::string_view job_id);

}  // namespace animate::jobs
