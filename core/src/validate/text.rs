//! The checked text, prepared once per validation.
//!
//! Every detector reads the **normalised** text ([`Text::norm`], and its ASCII-lowercased
//! twin [`Text::lower`] with identical byte offsets), never the raw draft:
//!
//! | raw | normalised |
//! |---|---|
//! | Unicode dashes U+2010–U+2015, U+2212, U+FE58, U+FE63, U+FF0D | `-` |
//! | no-break and typographic spaces U+00A0, U+2000–U+200A, U+202F, U+205F, U+3000 | ` ` |
//! | zero-width characters U+200B–U+200D, U+2060, U+FEFF and the soft hyphen U+00AD | removed |
//! | full-width digits U+FF10–U+FF19 | `0`–`9` |
//!
//! so `512‑34‑7788` (non-breaking hyphens), `4111 1111 1111 1111` (no-break spaces) and
//! `f\u{200B}uck` read as what they are. Detectors work in normalised offsets and their
//! findings are mapped back with [`Text::to_raw`], so every reported span is a byte
//! range into the original text on `char` boundaries. When the text needs no change
//! (all ASCII, the common case) nothing is copied but the lowercase twin.

use std::borrow::Cow;

use super::Span;

/// A text under check.
pub(crate) struct Text<'a> {
    /// The text as written; spans reported to callers index it.
    pub raw: &'a str,
    /// The normalised text (case kept); detectors' offsets index it.
    pub norm: Cow<'a, str>,
    /// `norm` with ASCII letters lowercased; same length, same char boundaries.
    pub lower: String,
    /// `None` when `norm == raw`; else raw offsets of normalised offsets.
    map: Option<OffsetMap>,
}

/// Raw byte offsets for every normalised byte offset `0..=norm.len()`.
struct OffsetMap {
    /// `starts[i]`: raw start of the raw char that produced normalised byte `i`
    /// (`raw.len()` at `norm.len()`).
    starts: Vec<usize>,
    /// `ends[i]`: raw end of the raw char that produced normalised byte `i - 1` (the
    /// first kept raw char's start at 0).
    ends: Vec<usize>,
}

/// What normalisation does with one char: `None` keeps it, `Some(None)` drops it,
/// `Some(Some(c))` replaces it.
fn normalised(c: char) -> Option<Option<char>> {
    match c {
        '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FE58}' | '\u{FE63}' | '\u{FF0D}' => {
            Some(Some('-'))
        }
        '\u{00A0}' | '\u{2000}'..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}' => {
            Some(Some(' '))
        }
        '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}' => Some(None),
        '\u{FF10}'..='\u{FF19}' => char::from_u32(c as u32 - 0xFF10 + u32::from(b'0')).map(Some),
        _ => None,
    }
}

impl<'a> Text<'a> {
    pub(crate) fn new(raw: &'a str) -> Self {
        let needs = !raw.is_ascii() && raw.chars().any(|c| normalised(c).is_some());
        if !needs {
            return Text {
                raw,
                norm: Cow::Borrowed(raw),
                lower: raw.to_ascii_lowercase(),
                map: None,
            };
        }
        let mut norm = String::with_capacity(raw.len());
        let mut starts = Vec::with_capacity(raw.len() + 1);
        let mut ends = Vec::with_capacity(raw.len() + 1);
        ends.push(0);
        let mut first_kept = None;
        for (at, c) in raw.char_indices() {
            let out = match normalised(c) {
                None => Some(c),
                Some(r) => r,
            };
            let Some(out) = out else { continue };
            first_kept.get_or_insert(at);
            let end = at + c.len_utf8();
            for _ in 0..out.len_utf8() {
                starts.push(at);
                ends.push(end);
            }
            norm.push(out);
        }
        starts.push(raw.len());
        ends[0] = first_kept.unwrap_or(raw.len());
        let lower = norm.to_ascii_lowercase();
        Text {
            raw,
            norm: Cow::Owned(norm),
            lower,
            map: Some(OffsetMap { starts, ends }),
        }
    }

    /// The raw span of the normalised span `s` (an empty span stays empty).
    pub(crate) fn to_raw(&self, s: Span) -> Span {
        let Some(m) = &self.map else { return s };
        let last = m.starts.len() - 1;
        let start = m.starts[s.start.min(last)];
        if s.end <= s.start {
            return Span::new(start, start);
        }
        let end = m.ends[s.end.min(last)].max(start);
        Span::new(start, end)
    }

    /// The raw text of the normalised span `s`.
    pub(crate) fn raw_of(&self, s: Span) -> &'a str {
        let r = self.to_raw(s);
        self.raw.get(r.start..r.end).unwrap_or("")
    }

    /// True when the match `start..end` (normalised offsets) is not glued to a letter
    /// or digit on either side. Patterns use ASCII word boundaries for speed; this
    /// rejects matches inside words like `éyoung`.
    pub(crate) fn word_bounded(&self, start: usize, end: usize) -> bool {
        let before = self.norm[..start].chars().next_back();
        let after = self.norm[end..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    }

    /// Byte ranges of numeric clusters: runs of ASCII digits joined by spaces, dashes,
    /// dots, parentheses or `+`, with a leading `(` / `+`. Number detectors only look
    /// inside them, which keeps them off the bulk of the prose.
    pub(crate) fn numeric_clusters(&self) -> Vec<(usize, usize)> {
        let b = self.norm.as_bytes();
        let joiner = |c: u8| matches!(c, b' ' | b'-' | b'.' | b'(' | b')' | b'+');
        let mut out = Vec::new();
        let mut i = 0;
        while i < b.len() {
            if !b[i].is_ascii_digit() {
                i += 1;
                continue;
            }
            let mut s = i;
            while s > 0 && matches!(b[s - 1], b'(' | b'+') {
                s -= 1;
            }
            let mut e = i;
            while e < b.len() && (b[e].is_ascii_digit() || joiner(b[e])) {
                e += 1;
            }
            // Trailing joiners are not part of any number.
            let mut end = e;
            while end > i && !b[end - 1].is_ascii_digit() && b[end - 1] != b')' {
                end -= 1;
            }
            out.push((s, end));
            i = e.max(i + 1);
        }
        out
    }

    /// Whether the lowercased text holds `words` (lowercase alphanumeric words) in a
    /// row, separated by anything that is not a letter or digit: an address matches
    /// across commas, line breaks and case.
    pub(crate) fn contains_words(&self, words: &[String]) -> bool {
        let Some(first) = words.first() else {
            return true;
        };
        let lower = self.lower.as_str();
        'occurrence: for (at, _) in lower.match_indices(first.as_str()) {
            if !self.word_bounded(at, at + first.len()) {
                continue;
            }
            let mut rest = lower[at + first.len()..].split(|c: char| !c.is_alphanumeric());
            for w in &words[1..] {
                match rest.find(|t| !t.is_empty()) {
                    Some(t) if t == w => {}
                    _ => continue 'occurrence,
                }
            }
            return true;
        }
        false
    }
}

/// Lowercase alphanumeric words of `s` (ASCII lowercasing, like [`Text::lower`]).
pub(crate) fn words_of(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clusters() {
        let t = Text::new("Call (555) 123-4567. Pay $21.00 an hour, order 7 - x");
        let got: Vec<&str> = t
            .numeric_clusters()
            .iter()
            .map(|&(s, e)| &t.norm[s..e])
            .collect();
        assert_eq!(got, vec!["(555) 123-4567", "21.00", "7"]);
    }

    #[test]
    fn words_in_a_row() {
        let t = Text::new("Thanks,\n200 HARBOR Street\nLakeside, MI 49116\n");
        assert!(t.contains_words(&words_of("200 Harbor Street, Lakeside, MI 49116")));
        assert!(!t.contains_words(&words_of("200 Harbor Street, Lakeside, MI 49117")));
        assert!(!Text::new("1200 harbor street lakeside mi 49116")
            .contains_words(&words_of("200 Harbor Street, Lakeside, MI 49116")));
    }

    #[test]
    fn ascii_text_is_borrowed() {
        let t = Text::new("Plain ASCII 123-45");
        assert!(matches!(t.norm, Cow::Borrowed(_)));
        assert_eq!(t.to_raw(Span::new(6, 11)), Span::new(6, 11));
    }

    #[test]
    fn normalisation_keeps_raw_offsets() {
        let raw = "SSN\u{00A0}512\u{2011}34\u{2014}7788 \u{200B}x ＡＢ１２";
        let t = Text::new(raw);
        assert_eq!(t.norm, "SSN 512-34-7788 x ＡＢ12");
        let at = t.norm.find("512").unwrap_or(0);
        let r = t.to_raw(Span::new(at, at + "512-34-7788".len()));
        assert_eq!(&raw[r.start..r.end], "512\u{2011}34\u{2014}7788");
        // A span starting right after a dropped zero-width char starts at the kept one.
        let x = t.norm.find('x').unwrap_or(0);
        let r = t.to_raw(Span::new(x, x + 1));
        assert_eq!(&raw[r.start..r.end], "x");
        let d = t.norm.rfind("12").unwrap_or(0);
        let r = t.to_raw(Span::new(d, d + 2));
        assert_eq!(&raw[r.start..r.end], "１２");
        let end = t.to_raw(Span::new(t.norm.len(), t.norm.len()));
        assert_eq!((end.start, end.end), (raw.len(), raw.len()));
    }

    #[test]
    fn only_dropped_chars() {
        let t = Text::new("\u{200B}\u{200D}");
        assert_eq!(t.norm, "");
        assert_eq!(t.to_raw(Span::new(0, 0)), Span::new(6, 6));
    }
}
