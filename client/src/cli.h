// Entry point of the `animate` CLI: picks the subcommand, applies the
// connection flags/environment and maps errors to documented exit codes.
#pragma once

#include <string>
#include <vector>

namespace animate::client {

// argv without the program name.
int run_cli(const std::vector<std::string>& argv);

}  // namespace animate::client
