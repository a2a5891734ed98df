#pragma once
// The shared SHA-256 (common/), under this area's namespace.
#include "animate/common/sha256.h"

namespace animate::client {
using common::Sha256;
using common::sha256_file_hex;
using common::sha256_hex;
}  // namespace animate::client
