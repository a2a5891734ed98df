// The prompt cleaning rules (ftfy subset, html.unescape, whitespace) and, when
// the golden cases are present, the reference's cleaned strings.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "model/tests/test_encoders_support.h"
#include "model/wan/text_cleaning.h"
#include "model/wan/text_cleaning_unicode.h"

namespace animate::wan {
namespace {

std::string unescape(const std::string& text) {
  return text_unicode::encode_utf8(text_cleaning::html_unescape(text_unicode::decode_utf8(text)));
}

TEST(TextCleaning, FoldsFullWidthCharacters) {
  EXPECT_EQ(clean_prompt("ＡＢＣ１２３，中文标点。"), "ABC123,中文标点。");
  // The ideographic space is a space (and then collapsed).
  EXPECT_EQ(clean_prompt("a\u3000\u3000b"), "a b");
  // Half-width katakana become full width.
  EXPECT_EQ(clean_prompt("\uFF76\uFF80\uFF76\uFF85"), "カタカナ");
}

TEST(TextCleaning, StraightensCurlyQuotes) {
  EXPECT_EQ(clean_prompt("“Curly” ‘single’ „low‟ ʼx"), "\"Curly\" 'single' \"low\" 'x");
}

TEST(TextCleaning, SplitsLatinLigaturesOnly) {
  EXPECT_EQ(clean_prompt("ﬁne ﬂow ﬀ ﬃ ﬄ ﬆ Ĳ ǆ"), "fine flow ff ffi ffl st IJ dž");
  // ŉ becomes ʼn, whose apostrophe is then straightened.
  EXPECT_EQ(clean_prompt("\u0149"), "'n");
  // Ligatures ftfy keeps on purpose.
  EXPECT_EQ(clean_prompt("æ œ"), "æ œ");
}

TEST(TextCleaning, DecodesHtmlEntitiesRepeatedly) {
  EXPECT_EQ(clean_prompt("Tom &amp; Jerry &lt;3 caf&eacute; &quot;q&quot; &amp;lt;b&amp;gt;"),
            "Tom & Jerry <3 café \"q\" <b>");
  EXPECT_EQ(clean_prompt("&#20013;&#x6587;"), "中文");
  // ftfy's all-caps entities.
  EXPECT_EQ(clean_prompt("P&EACUTE;REZ"), "PÉREZ");
  // Triple escaping: ftfy repeats until stable, then html.unescape twice more.
  EXPECT_EQ(clean_prompt("&amp;amp;amp;amp;amp;"), "&");
}

TEST(TextCleaning, LiteralLessThanKeepsFtfyFromUnescapingButNotHtmlUnescape) {
  // With '<' in the text ftfy leaves entities alone; the reference's two
  // html.unescape calls still decode two levels.
  EXPECT_EQ(clean_prompt("<b> &amp;amp;amp;"), "<b> &amp;");
}

TEST(TextCleaning, PythonHtmlUnescapeEdgeCases) {
  EXPECT_EQ(unescape("&notit;"), "¬it;");       // longest legacy prefix
  EXPECT_EQ(unescape("&amp"), "&");             // legacy name without ';'
  EXPECT_EQ(unescape("&#65"), "A");             // numeric without ';'
  EXPECT_EQ(unescape("&#x110000;"), "\uFFFD");  // beyond Unicode
  EXPECT_EQ(unescape("&#xD800;"), "\uFFFD");    // surrogate
  EXPECT_EQ(unescape("&#150;"), "\u2013");      // Windows-1252 reading of C1
  EXPECT_EQ(unescape("&#1;x"), "x");            // invalid code point dropped
  EXPECT_EQ(unescape("&#99999999999999999999;"), "\uFFFD");
  EXPECT_EQ(unescape("&unknown; & &;"), "&unknown; & &;");
  EXPECT_EQ(unescape("&#x;"), "&#x;");
}

TEST(TextCleaning, FtfyDecodesOnlySemicolonEntities) {
  const auto ftfy = [](const std::string& text) {
    return text_unicode::encode_utf8(
        text_cleaning::ftfy_unescape_html(text_unicode::decode_utf8(text)));
  };
  EXPECT_EQ(ftfy("&amp &amp; this&not that"), "&amp & this&not that");
  EXPECT_EQ(ftfy("&#12ab;"), "&#12ab;");  // html.unescape would leave "ab;" behind
}

TEST(TextCleaning, CollapsesAllWhitespace) {
  EXPECT_EQ(clean_prompt("  A  man\twalks \n\n on   the beach   "), "A man walks on the beach");
  EXPECT_EQ(clean_prompt("a\u00A0\u2003b\r\nc\u2028d"), "a b c d");
  EXPECT_EQ(clean_prompt(" \t\n "), "");
  EXPECT_EQ(clean_prompt(""), "");
}

TEST(TextCleaning, RemovesControlsAndFixesC1) {
  EXPECT_EQ(clean_prompt("a\x01\x7F\u200Bb\uFEFF"), "a\u200Bb");
  EXPECT_EQ(clean_prompt("x\u0093y\u0094"), "x\"y\"");  // C1 read as Windows-1252, then uncurled
  EXPECT_EQ(clean_prompt("\x1B[31mred\x1B[0m"), "red");
}

TEST(TextCleaning, Utf8DecodingIsLenientAndPairsSurrogates) {
  EXPECT_EQ(clean_prompt("a\xFF"
                         "b"),
            "a\uFFFDb");
  // CESU-8 surrogate pair for U+1F600 becomes the real character.
  EXPECT_EQ(clean_prompt("\xED\xA0\xBD\xED\xB8\x80"), "😀");
  // A lone surrogate is replaced.
  EXPECT_EQ(clean_prompt("\xED\xA0\xBD!"), "\uFFFD!");
}

TEST(TextCleaning, MatchesTheReferenceOnTheGoldenPrompts) {
  const auto path = test::golden_dir() / "t5_tokenizer" / "case.json";
  std::ifstream in(path);
  if (!in) GTEST_SKIP() << "no golden case at " << path;
  const auto json = nlohmann::json::parse(in);
  const auto prompts = json.at("strings").at("prompts").get<std::vector<std::string>>();
  const auto cleaned = json.at("strings").at("cleaned").get<std::vector<std::string>>();
  ASSERT_EQ(prompts.size(), cleaned.size());
  for (std::size_t i = 0; i < prompts.size(); ++i) {
    EXPECT_EQ(clean_prompt(prompts[i]), cleaned[i]) << "prompt " << i;
  }
}

}  // namespace
}  // namespace animate::wan
