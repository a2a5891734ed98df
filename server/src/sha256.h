#pragma once
// The shared SHA-256 (common/), under this area's namespace.
#include "animate/common/sha256.h"

namespace animate::server {
using common::Sha256;
using common::sha256_hex;
}  // namespace animate::server
