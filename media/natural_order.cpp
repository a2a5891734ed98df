#include "media/natural_order.h"

#include <cctype>

namespace animate::media {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
char lower(char c) {
  return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

// Compares the digit runs starting at a[i] and b[j] by value; advances both
// indices past the runs. Returns <0, 0 or >0.
int compare_numbers(std::string_view a, std::size_t& i, std::string_view b, std::size_t& j) {
  while (i < a.size() && a[i] == '0' && i + 1 < a.size() && is_digit(a[i + 1])) ++i;
  while (j < b.size() && b[j] == '0' && j + 1 < b.size() && is_digit(b[j + 1])) ++j;
  const std::size_t start_a = i;
  const std::size_t start_b = j;
  while (i < a.size() && is_digit(a[i])) ++i;
  while (j < b.size() && is_digit(b[j])) ++j;
  const std::size_t length_a = i - start_a;
  const std::size_t length_b = j - start_b;
  if (length_a != length_b) return length_a < length_b ? -1 : 1;
  return a.substr(start_a, length_a).compare(b.substr(start_b, length_b));
}

}  // namespace

bool natural_less(std::string_view a, std::string_view b) {
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < a.size() && j < b.size()) {
    if (is_digit(a[i]) && is_digit(b[j])) {
      const int order = compare_numbers(a, i, b, j);
      if (order != 0) return order < 0;
      continue;
    }
    const char ca = lower(a[i]);
    const char cb = lower(b[j]);
    if (ca != cb) return ca < cb;
    ++i;
    ++j;
  }
  if ((i < a.size()) != (j < b.size())) return j < b.size();
  return a < b;
}

}  // namespace animate::media
