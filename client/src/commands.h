// The subcommands of `animate`. Each returns the process exit code; errors
// are thrown (UsageError, RpcError, std::runtime_error) and mapped to exit
// codes in one place (cli.cpp).
#pragma once

#include "args.h"
#include "connection.h"

namespace animate::client {

// Exit codes, documented in `animate --help`.
inline constexpr int kExitOk = 0;
inline constexpr int kExitJobNotSucceeded = 1;  // also: health not SERVING
inline constexpr int kExitUsage = 2;
inline constexpr int kExitLocal = 3;     // files, hash mismatch
inline constexpr int kExitRpcBase = 10;  // + the gRPC status code

int run_submit(const Args& args, const ConnectionOptions& connection);
int run_upload(const Args& args, const ConnectionOptions& connection);
int run_watch(const Args& args, const ConnectionOptions& connection);
int run_status(const Args& args, const ConnectionOptions& connection);
int run_list(const Args& args, const ConnectionOptions& connection);
int run_cancel(const Args& args, const ConnectionOptions& connection);
int run_delete(const Args& args, const ConnectionOptions& connection);
int run_download(const Args& args, const ConnectionOptions& connection);
int run_health(const Args& args, const ConnectionOptions& connection);

}  // namespace animate::client
