#pragma once
// "Natural" name order, as file managers sort: runs of digits compare by
// value, so frame_2.png comes before frame_10.png. Letters compare without
// case; exact ties are broken by plain byte order so the order is total and
// deterministic.
#include <string_view>

namespace animate::media {

bool natural_less(std::string_view a, std::string_view b);

}  // namespace animate::media
