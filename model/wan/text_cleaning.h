#pragma once
// The prompt cleaning Wan's tokenizer wrapper applies before SentencePiece
// (HuggingfaceTokenizer with clean='whitespace'):
//   ftfy.fix_text(text) -> html.unescape twice -> strip
//   -> every run of whitespace to one space -> strip.
//
// ftfy (6.3.1, default configuration) is re-implemented for what real
// prompts contain. Covered exactly as ftfy does it:
//   - line-by-line segments; HTML entity decoding (ftfy's rules: only
//     "&name;"/"&#...;" forms, also all-caps names like "&EACUTE;", repeated
//     until nothing changes) unless a segment contains '<', after which it
//     stays off for the rest of the text;
//   - C1 controls U+0080..U+009F read as Windows-1252;
//   - Latin ligatures and digraphs split (ﬁ -> fi, Ǳ -> DZ, ...);
//   - full-width / half-width forms folded (ＡＢＣ -> ABC, ， -> ",", U+3000 -> ' ');
//   - curly quotes straightened (‘’‚‛ʼ -> ', “”„‟ -> ");
//   - line breaks unified (CRLF, CR, U+2028, U+2029, U+0085 -> LF);
//   - UTF-16 surrogates paired (or replaced by U+FFFD);
//   - ANSI terminal escapes removed (ASCII digits only in the parameters);
//   - invisible control characters removed (U+0000..08, 0B, 0E..1F, 7F,
//     206A..206F, FEFF, FFF9..FFFC).
// Not covered, by design:
//   - mojibake repair (ftfy's fix_encoding: re-decoding text that was decoded
//     with the wrong codec, e.g. "cafÃ©" -> "café"): it needs ftfy's
//     statistical "badness" heuristics and codec tables. Prompts that are
//     already broken may tokenize differently from the reference.
//   - NFC normalisation: SentencePiece's nmt_nfkc normaliser (umT5's
//     spiece.model) applies NFKC right after, and NFKC(NFC(x)) == NFKC(x), so
//     the token ids do not depend on it; clean_prompt() can differ from
//     ftfy's text only for decomposed sequences (e.g. "e" + U+0301).
//   - Unicode (non-ASCII) digits inside terminal escape sequences.
#include <string>
#include <string_view>

namespace animate::wan {

// The reference cleaning of one UTF-8 prompt (invalid UTF-8 is read as
// Python's errors="replace" would: U+FFFD per bad sequence).
std::string clean_prompt(std::string_view prompt);

namespace text_cleaning {

// The steps on code points, exposed for tests.
// ftfy.fix_text with the coverage described above.
std::u32string fix_text(std::u32string_view text);
// ftfy.fixes.unescape_html: "&name;" (HTML5 or ftfy's all-caps names) and
// "&#...;" references, nothing without the semicolon.
std::u32string ftfy_unescape_html(std::u32string_view text);
// Python's html.unescape (HTML5 rules, incl. references without ';' and the
// longest-prefix match of legacy names, e.g. "&notit;" -> "¬it;").
std::u32string html_unescape(std::u32string_view text);
// strip(), re.sub(r"\s+", " "), strip().
std::u32string collapse_whitespace(std::u32string_view text);

}  // namespace text_cleaning
}  // namespace animate::wan
