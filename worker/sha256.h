#pragma once
// The shared SHA-256 (common/), under this area's namespace.
#include "animate/common/sha256.h"

namespace animate::worker {
using common::Sha256;
using common::sha256_hex;
}  // namespace animate::worker
