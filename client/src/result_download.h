// GetResult into a file, optionally resuming after the bytes already there,
// and checked against the sha256 the server reports.
#pragma once

#include <filesystem>

#include "animate/v1/animate_service.grpc.pb.h"
#include "connection.h"

namespace animate::client {

// Throws RpcError for call failures and std::runtime_error when the file
// cannot be written or its hash differs from the server's.
animate::v1::ResultInfo download_result(animate::v1::AnimateService::Stub& stub,
                                        const ConnectionOptions& options, const std::string& job_id,
                                        const std::filesystem::path& path, bool resume);

// std::runtime_error unless the file has the result's size and hash.
void verify_result_file(const std::filesystem::path& path, const animate::v1::ResultInfo& info);

}  // namespace animate::client
