#include "result_download.h"

#include <fstream>
#include <stdexcept>

#include "rpc_error.h"
#include "sha256.h"

namespace animate::client {

void verify_result_file(const std::filesystem::path& path, const animate::v1::ResultInfo& info) {
  const auto size = std::filesystem::file_size(path);
  if (size != info.size_bytes()) {
    throw std::runtime_error(path.string() + ": " + std::to_string(size) +
                             " bytes, the server's result has " +
                             std::to_string(info.size_bytes()));
  }
  const std::string hash = sha256_file_hex(path);
  if (hash != info.sha256()) {
    throw std::runtime_error(path.string() + ": sha256 " + hash + " differs from the server's " +
                             info.sha256());
  }
}

animate::v1::ResultInfo download_result(animate::v1::AnimateService::Stub& stub,
                                        const ConnectionOptions& options, const std::string& job_id,
                                        const std::filesystem::path& path, bool resume) {
  std::uint64_t offset = 0;
  if (resume && std::filesystem::exists(path)) offset = std::filesystem::file_size(path);
  std::ofstream out(path, std::ios::binary | (offset > 0 ? std::ios::app : std::ios::trunc));
  if (!out) throw std::runtime_error("cannot write " + path.string());

  animate::v1::GetResultRequest request;
  request.set_job_id(job_id);
  request.set_offset(offset);
  auto context = make_context(options);
  auto reader = stub.GetResult(context.get(), request);
  animate::v1::GetResultResponse response;
  animate::v1::ResultInfo info;
  bool have_info = false;
  std::uint64_t next = offset;
  while (reader->Read(&response)) {
    if (response.has_info()) {
      info = response.info();
      have_info = true;
    }
    if (response.data().empty()) continue;
    if (response.offset() != next) {
      context->TryCancel();
      throw std::runtime_error("GetResult sent offset " + std::to_string(response.offset()) +
                               ", expected " + std::to_string(next));
    }
    out.write(response.data().data(), static_cast<std::streamsize>(response.data().size()));
    if (!out) throw std::runtime_error("cannot write " + path.string());
    next += response.data().size();
  }
  const grpc::Status status = reader->Finish();
  out.close();
  check_rpc("GetResult", status, context.get());
  if (!have_info) throw std::runtime_error("GetResult sent no result info");
  verify_result_file(path, info);
  return info;
}

}  // namespace animate::client
