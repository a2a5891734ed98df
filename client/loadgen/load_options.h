// Settings of animate-loadgen, from its command line.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "connection.h"

namespace animate::loadgen {

struct LoadOptions {
  client::ConnectionOptions connection;
  int channels = 4;            // concurrent channels, one thread each
  double duration_s = 10;      // per phase, when requests == 0
  std::uint64_t requests = 0;  // per phase; 0 = run for duration_s
  bool run_create = true, run_get = true, run_upload = true;
  int upload_side = 512;            // noise PNG side (512 -> ~0.75 MiB)
  std::uint64_t upload_count = 32;  // uploads in the upload phase
  bool cleanup = true;              // cancel + delete the jobs created
  bool json = false;
};

// std::invalid_argument (message names the flag) for bad input; "help"
// in the message when --help was asked for.
LoadOptions parse_load_options(const std::vector<std::string>& argv);
const char* load_usage();

}  // namespace animate::loadgen
