//! The checked text, prepared once per validation: the raw text and an ASCII-lowercased
//! copy with identical byte offsets, so word patterns run case-sensitively (fast lazy
//! DFA with literal prefilters) and their spans still index the raw text.

/// A text under check.
pub(crate) struct Text<'a> {
    pub raw: &'a str,
    /// `raw` with ASCII letters lowercased; same length, same char boundaries.
    pub lower: String,
}

impl<'a> Text<'a> {
    pub(crate) fn new(raw: &'a str) -> Self {
        Text {
            raw,
            lower: raw.to_ascii_lowercase(),
        }
    }

    /// True when the match `start..end` is not glued to a letter or digit on either
    /// side. Patterns use ASCII word boundaries for speed; this rejects matches inside
    /// words like `éyoung`.
    pub(crate) fn word_bounded(&self, start: usize, end: usize) -> bool {
        let before = self.raw[..start].chars().next_back();
        let after = self.raw[end..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    }

    /// Byte ranges of numeric clusters: runs of ASCII digits joined by spaces, dashes,
    /// dots, parentheses or `+`, with a leading `(` / `+`. Number detectors only look
    /// inside them, which keeps them off the bulk of the prose.
    pub(crate) fn numeric_clusters(&self) -> Vec<(usize, usize)> {
        let b = self.raw.as_bytes();
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
            .map(|&(s, e)| &t.raw[s..e])
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
}
