#include "animate/jobs/asset_store.h"

#include <array>
#include <chrono>

#include "animate/jobs/ids.h"
#include "animate/jobs/jobs_error.h"
#include "field_codec.h"
#include "reply_errors.h"
#include "script_set.h"

namespace animate::jobs {
namespace {

using std::chrono::milliseconds;

constexpr std::array<std::pair<AssetKind, std::string_view>, 3> kTags{{
    {AssetKind::kReferenceImage, "refimg"},
    {AssetKind::kPoseVideo, "posevid"},
    {AssetKind::kReferencePoseImage, "refpose"},
}};

// Bytes per script call while writing: big enough to be few round trips,
// small enough to stay far below Redis's 512 MB argument limit.
constexpr std::size_t kWritePiece = 4 << 20;

std::int64_t now_ms() {
  return std::chrono::duration_cast<milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

AssetInfo decode_asset(std::string_view asset_id, const BlobInfo& blob) {
  using namespace detail;
  AssetInfo info;
  info.asset_id = std::string(asset_id);
  info.kind = parse_asset_kind_tag(asset_id.substr(0, asset_id.find('_')))
                  .value_or(AssetKind::kReferenceImage);
  info.size_bytes = blob.size;
  info.sha256 = blob.sha256;
  info.content_type = blob.content_type;
  for (const auto& [name, value] : blob.extra) {
    if (name == "create_ms")
      info.create_ms = parse_int(value);
    else if (name == "m:format")
      info.media.format = value;
    else if (name == "m:codec")
      info.media.codec = value;
    else if (name == "m:width")
      info.media.width = static_cast<std::uint32_t>(parse_uint(value));
    else if (name == "m:height")
      info.media.height = static_cast<std::uint32_t>(parse_uint(value));
    else if (name == "m:frames")
      info.media.frame_count = static_cast<std::uint32_t>(parse_uint(value));
    else if (name == "m:fps")
      info.media.fps = parse_double(value);
    else if (name == "m:duration_ms")
      info.media.duration_ms = parse_int(value);
  }
  if (blob.ttl) info.expire_ms = now_ms() + blob.ttl->count();
  return info;
}

// Deletes a temporary blob unless committed: an interrupted put leaves
// nothing behind (or, if Redis is unreachable, a blob that expires).
class TempBlob {
 public:
  TempBlob(BlobStore& blobs, std::string id) : blobs_(blobs), id_(std::move(id)) {}
  ~TempBlob() {
    if (committed_) return;
    try {
      blobs_.remove(id_);
    } catch (const JobsError&) {
      // Unreachable Redis: the upload TTL cleans it up.
    }
  }
  TempBlob(const TempBlob&) = delete;
  TempBlob& operator=(const TempBlob&) = delete;
  const std::string& id() const { return id_; }
  void committed() { committed_ = true; }

 private:
  BlobStore& blobs_;
  std::string id_;
  bool committed_ = false;
};

}  // namespace

std::string_view asset_kind_tag(AssetKind kind) {
  for (const auto& [k, tag] : kTags) {
    if (k == kind) return tag;
  }
  return {};
}

std::optional<AssetKind> parse_asset_kind_tag(std::string_view tag) {
  for (const auto& [kind, text] : kTags) {
    if (text == tag) return kind;
  }
  return std::nullopt;
}

std::string make_asset_id(AssetKind kind, std::string_view sha256_hex) {
  return std::string(asset_kind_tag(kind)) + "_" + std::string(sha256_hex);
}

bool is_valid_asset_id(std::string_view asset_id) {
  const auto underscore = asset_id.find('_');
  if (underscore == std::string_view::npos) return false;
  return parse_asset_kind_tag(asset_id.substr(0, underscore)).has_value() &&
         is_valid_sha256_hex(asset_id.substr(underscore + 1));
}

std::string asset_blob_id(std::string_view asset_id) {
  return "asset:" + std::string(asset_id);
}
std::string result_blob_id(std::string_view job_id) {
  return "result:" + std::string(job_id);
}

AssetStore::AssetStore(BlobStore& blobs) : blobs_(blobs) {}

std::optional<AssetInfo> AssetStore::get(std::string_view asset_id) {
  if (!is_valid_asset_id(asset_id)) {
    throw JobsError(StatusCode::kInvalidArgument,
                    "malformed asset id '" + std::string(asset_id) + "'", "asset_id");
  }
  auto blob = blobs_.info(asset_blob_id(asset_id));
  if (!blob || !blob->complete) return std::nullopt;
  return decode_asset(asset_id, *blob);
}

std::optional<AssetInfo> AssetStore::find(AssetKind kind, std::string_view sha256_hex) {
  if (!is_valid_sha256_hex(sha256_hex)) {
    throw JobsError(StatusCode::kInvalidArgument, "sha256 must be 64 lowercase hex digits",
                    "sha256");
  }
  const std::string id = make_asset_id(kind, sha256_hex);
  {
    auto connection = blobs_.pool()->acquire();
    blobs_.scripts().run(
        *connection, Script::kBlobExpire,
        {asset_blob_id(id), std::to_string(blobs_.config().asset_ttl.count()), "extend"});
  }
  return get(id);
}

PutAssetResult AssetStore::put(const AssetInfo& info, std::string_view bytes) {
  if (!is_valid_sha256_hex(info.sha256)) {
    throw JobsError(StatusCode::kInvalidArgument, "sha256 must be 64 lowercase hex digits",
                    "sha256");
  }
  if (info.size_bytes != bytes.size()) {
    throw JobsError(StatusCode::kInvalidArgument,
                    "size_bytes says " + std::to_string(info.size_bytes) + " but " +
                        std::to_string(bytes.size()) + " bytes were given",
                    "size_bytes");
  }
  const std::string id = make_asset_id(info.kind, info.sha256);
  if (auto existing = find(info.kind, info.sha256)) return PutAssetResult{*existing, true};

  const QueueConfig& config = blobs_.config();
  TempBlob temp(blobs_, "tmp:" + new_token());
  for (std::size_t at = 0; at < bytes.size(); at += kWritePiece) {
    blobs_.append(temp.id(), std::string(bytes.substr(at, kWritePiece)), config.upload_ttl);
  }
  if (bytes.empty()) blobs_.append(temp.id(), std::string(), config.upload_ttl);

  const Fields fields{
      {"sha256", info.sha256},
      {"content_type", info.content_type},
      {"m:format", info.media.format},
      {"m:codec", info.media.codec},
      {"m:width", std::to_string(info.media.width)},
      {"m:height", std::to_string(info.media.height)},
      {"m:frames", std::to_string(info.media.frame_count)},
      {"m:fps", detail::format_double(info.media.fps)},
      {"m:duration_ms", std::to_string(info.media.duration_ms)},
  };
  RedisArgs args{temp.id(), asset_blob_id(id), std::to_string(config.asset_ttl.count()),
                 std::to_string(fields.size())};
  for (const auto& [name, value] : fields) {
    args.push_back(name);
    args.push_back(value);
  }
  bool deduplicated = false;
  {
    auto connection = blobs_.pool()->acquire();
    RedisReply reply = blobs_.scripts().run(*connection, Script::kAssetCommit, args);
    deduplicated = reply_integer(reply.element(0)) == 1;
  }
  temp.committed();  // renamed into place, or dropped by the script
  auto stored = get(id);
  if (!stored) {
    throw JobsError(StatusCode::kUnavailable,
                    "asset " + id + " vanished right after it was stored");
  }
  return PutAssetResult{std::move(*stored), deduplicated};
}

std::string AssetStore::read(std::string_view asset_id, std::uint64_t offset,
                             std::uint64_t max_bytes) {
  if (!is_valid_asset_id(asset_id)) {
    throw JobsError(StatusCode::kInvalidArgument,
                    "malformed asset id '" + std::string(asset_id) + "'", "asset_id");
  }
  try {
    return blobs_.read(asset_blob_id(asset_id), offset, max_bytes);
  } catch (const JobsError& error) {
    if (error.code() != StatusCode::kNotFound) throw;
    throw JobsError(StatusCode::kNotFound, "asset " + std::string(asset_id) + " not found",
                    "asset_id");
  }
}

std::string AssetStore::read_all(std::string_view asset_id) {
  return read(asset_id, 0, UINT64_MAX);
}

bool AssetStore::remove(std::string_view asset_id) {
  if (!is_valid_asset_id(asset_id)) return false;
  return blobs_.remove(asset_blob_id(asset_id));
}

}  // namespace animate::jobs
