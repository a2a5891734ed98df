// Minimal PNG encoder (8-bit RGB, stored deflate blocks): uploads in the load
// test must be valid images with distinct content (identical content is
// deduplicated by the server, which would measure nothing), and encoding has
// to cost next to nothing compared with the upload being measured.
#pragma once

#include <cstdint>
#include <string>

namespace animate::loadgen {

// rgb: width * height * 3 bytes, rows top to bottom.
std::string encode_png_stored(int width, int height, const std::string& rgb);

// A width x height image of pseudo-random pixels from `seed` (distinct seeds,
// distinct bytes).
std::string noise_png(int width, int height, std::uint64_t seed);

}  // namespace animate::loadgen
