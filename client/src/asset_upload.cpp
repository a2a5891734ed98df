#include "asset_upload.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "args.h"
#include "rpc_error.h"
#include "sha256.h"

namespace animate::client {
namespace {

std::string content_type_for(const std::filesystem::path& path) {
  std::string extension = path.extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (extension == ".png") return "image/png";
  if (extension == ".jpg" || extension == ".jpeg") return "image/jpeg";
  if (extension == ".webp") return "image/webp";
  if (extension == ".mp4") return "video/mp4";
  if (extension == ".webm") return "video/webm";
  if (extension == ".zip") return "application/zip";
  return "application/octet-stream";
}

}  // namespace

UploadSource upload_source_from_file(animate::v1::AssetKind kind,
                                     const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path.string());
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (in.bad()) throw std::runtime_error("cannot read " + path.string());
  UploadSource source;
  source.kind = kind;
  source.filename = path.filename().string();
  source.content_type = content_type_for(path);
  source.bytes = bytes.str();
  return source;
}

animate::v1::UploadAssetResponse upload_asset(animate::v1::AnimateService::Stub& stub,
                                              const ConnectionOptions& options,
                                              const UploadSource& source, std::size_t chunk_bytes) {
  auto context = make_context(options);
  animate::v1::UploadAssetResponse response;
  auto writer = stub.UploadAsset(context.get(), &response);

  animate::v1::UploadAssetRequest request;
  auto* header = request.mutable_header();
  header->set_kind(source.kind);
  header->set_size_bytes(source.bytes.size());
  header->set_sha256(source.sha256_override.empty() ? sha256_hex(source.bytes)
                                                    : source.sha256_override);
  header->set_filename(source.filename);
  header->set_content_type(source.content_type);
  // A failed Write means the server has already answered (deduplicated or
  // rejected): stop sending, Finish tells which.
  bool open = writer->Write(request);
  for (std::size_t at = 0; open && at < source.bytes.size(); at += chunk_bytes) {
    request.Clear();
    request.set_chunk(source.bytes.substr(at, chunk_bytes));
    open = writer->Write(request);
  }
  if (open) writer->WritesDone();
  const grpc::Status status = writer->Finish();
  check_rpc("UploadAsset(" + source.filename + ")", status, context.get());
  return response;
}

animate::v1::AssetKind parse_asset_kind(const std::string& text) {
  if (text == "reference-image") return animate::v1::ASSET_KIND_REFERENCE_IMAGE;
  if (text == "pose-video") return animate::v1::ASSET_KIND_POSE_VIDEO;
  if (text == "reference-pose") return animate::v1::ASSET_KIND_REFERENCE_POSE_IMAGE;
  throw UsageError("--kind must be reference-image, pose-video or reference-pose, got '" + text +
                   "'");
}

}  // namespace animate::client
