#pragma once
// Data tables of the prompt cleaning, generated from Python's html.entities
// and unicodedata (see the head of text_cleaning_tables.cpp).
#include <cstddef>

namespace animate::wan::text_tables {

struct NamedText {
  const char* name;   // ASCII
  const char* value;  // UTF-8
};

struct CodepointText {
  char32_t codepoint;
  const char* value;  // UTF-8
};

// html.entities.html5: names without '&', with or without the trailing ';',
// sorted by byte order.
extern const NamedText kHtml5Entities[];
extern const std::size_t kHtml5EntityCount;
// The upper-case entity names ftfy decodes in addition ("EACUTE;" -> "É").
extern const NamedText kUppercaseEntities[];
extern const std::size_t kUppercaseEntityCount;
// ftfy's full-width / half-width folding map, sorted by code point.
extern const CodepointText kWidthFolds[];
extern const std::size_t kWidthFoldCount;

}  // namespace animate::wan::text_tables
