#pragma once
// Reading the EXIF Orientation tag (0x0112), which cameras use instead of
// rotating the pixels. Values follow the EXIF/TIFF specification:
//   1 normal           2 mirrored left-right    3 rotated 180
//   4 mirrored top-bottom                       5 transposed (mirror + 90 CCW)
//   6 needs 90 CW      7 transverse (mirror + 90 CW)
//   8 needs 90 CCW
#include <string_view>

namespace animate::media {

// `tiff` is the EXIF payload starting at the TIFF header ("II*\0" or "MM\0*").
// Returns 1 when the tag is absent or the data is malformed: a bad EXIF block
// must not make an otherwise fine image fail.
int exif_orientation_from_tiff(std::string_view tiff);

}  // namespace animate::media
