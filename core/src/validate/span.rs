//! [`Span`] in other string indices: code points (Python) and UTF-16 units (JS).
//!
//! The wire format stays in bytes (`{"start": 7, "end": 11}`); these helpers convert a
//! span against the text it points into, for bindings and UIs that index strings
//! differently.

use std::ops::Range;

use serde::{Deserialize, Deserializer};

use super::Span;
use crate::{Error, Result};

impl Span {
    /// The spanned text, or `None` when the span is past the end of `text` or not on
    /// `char` boundaries.
    pub fn slice<'a>(&self, text: &'a str) -> Option<&'a str> {
        text.get(self.start..self.end)
    }

    /// The span as code-point indices into `text` (Python's `str` indices).
    ///
    /// ```
    /// use lakehouse::validate::Span;
    /// let text = "Olá 👋 José";
    /// let s = Span::new(text.find("José").unwrap(), text.len()); // bytes 10..15
    /// assert_eq!(s.char_range(text)?, 6..10);
    /// assert_eq!(text.chars().skip(6).take(4).collect::<String>(), "José");
    /// # Ok::<(), lakehouse::Error>(())
    /// ```
    pub fn char_range(&self, text: &str) -> Result<Range<usize>> {
        let prefix = self.checked(text)?;
        let start = prefix[..self.start].chars().count();
        Ok(start..start + prefix[self.start..].chars().count())
    }

    /// The span as UTF-16 code-unit indices into `text` (JavaScript's string indices).
    ///
    /// ```
    /// use lakehouse::validate::Span;
    /// let text = "Olá 👋 José";
    /// let s = Span::new(text.find("José").unwrap(), text.len());
    /// assert_eq!(s.utf16_range(text)?, 7..11); // 👋 is two UTF-16 units
    /// # Ok::<(), lakehouse::Error>(())
    /// ```
    pub fn utf16_range(&self, text: &str) -> Result<Range<usize>> {
        let prefix = self.checked(text)?;
        let start = prefix[..self.start].encode_utf16().count();
        Ok(start..start + prefix[self.start..].encode_utf16().count())
    }

    /// The byte span of code-point range `start..end` of `text`.
    pub fn from_char_range(text: &str, start: usize, end: usize) -> Result<Span> {
        let byte_at = |n: usize| {
            text.char_indices()
                .map(|(i, _)| i)
                .chain(std::iter::once(text.len()))
                .nth(n)
        };
        match (start <= end, byte_at(start), byte_at(end)) {
            (true, Some(s), Some(e)) => Ok(Span::new(s, e)),
            _ => Err(Error::invalid(format!(
                "code-point range {start}..{end} does not fit a text of {} code points",
                text.chars().count()
            ))),
        }
    }

    /// The byte span of UTF-16 range `start..end` of `text`; an end inside a surrogate
    /// pair is an error.
    pub fn from_utf16_range(text: &str, start: usize, end: usize) -> Result<Span> {
        let byte_at = |n: usize| {
            let mut units = 0;
            for (i, c) in text.char_indices() {
                if units == n {
                    return Some(i);
                }
                if units > n {
                    return None;
                }
                units += c.len_utf16();
            }
            (units == n).then_some(text.len())
        };
        match (start <= end, byte_at(start), byte_at(end)) {
            (true, Some(s), Some(e)) => Ok(Span::new(s, e)),
            _ => Err(Error::invalid(format!(
                "UTF-16 range {start}..{end} does not fall on character boundaries of a text of {} UTF-16 units",
                text.encode_utf16().count()
            ))),
        }
    }

    /// `text[..end]` after checking the span fits `text` on `char` boundaries.
    fn checked<'a>(&self, text: &'a str) -> Result<&'a str> {
        if self.start <= self.end && self.slice(text).is_some() {
            Ok(&text[..self.end])
        } else {
            Err(Error::invalid(format!(
                "span {}..{} does not fall on character boundaries of a text of {} bytes",
                self.start,
                self.end,
                text.len()
            )))
        }
    }
}

/// Reads a span written either as `{"start", "end"}` (the one shape written) or as the
/// `[start, end]` pair of replay logs written before the shapes were unified.
pub(crate) fn deserialize_lenient<'de, D>(de: D) -> std::result::Result<Option<Span>, D::Error>
where
    D: Deserializer<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Object { start: usize, end: usize },
        Pair([usize; 2]),
    }
    Ok(Option::<Either>::deserialize(de)?.map(|e| match e {
        Either::Object { start, end } => Span::new(start, end),
        Either::Pair([start, end]) => Span::new(start, end),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "Café 👩‍🔧 naïve ☕ ok";

    #[test]
    fn every_char_boundary_round_trips() {
        let bounds: Vec<usize> = TEXT
            .char_indices()
            .map(|(i, _)| i)
            .chain([TEXT.len()])
            .collect();
        for (a, &s) in bounds.iter().enumerate() {
            for &e in &bounds[a..] {
                let span = Span::new(s, e);
                let c = span.char_range(TEXT).unwrap();
                let u = span.utf16_range(TEXT).unwrap();
                let by_chars: String = TEXT.chars().skip(c.start).take(c.len()).collect();
                assert_eq!(by_chars, &TEXT[s..e]);
                let utf16: Vec<u16> = TEXT.encode_utf16().collect();
                assert_eq!(String::from_utf16(&utf16[u.clone()]).unwrap(), &TEXT[s..e]);
                assert_eq!(Span::from_char_range(TEXT, c.start, c.end).unwrap(), span);
                assert_eq!(Span::from_utf16_range(TEXT, u.start, u.end).unwrap(), span);
            }
        }
    }

    #[test]
    fn known_offsets() {
        // "Café " = 6 bytes, 5 chars; 👩‍🔧 = 👩 ZWJ 🔧 = 11 bytes, 3 chars, 5 UTF-16 units.
        let start = TEXT.find("naïve").unwrap();
        let span = Span::new(start, start + "naïve".len());
        assert_eq!(span.slice(TEXT), Some("naïve"));
        assert_eq!((start, span.end), (18, 24));
        assert_eq!(span.char_range(TEXT).unwrap(), 9..14);
        assert_eq!(span.utf16_range(TEXT).unwrap(), 11..16);
    }

    #[test]
    fn bad_spans_are_typed_errors() {
        let inside_e_acute = Span::new(0, 4); // "Caf" + half of "é"
        assert_eq!(
            inside_e_acute.char_range(TEXT).unwrap_err().code(),
            "INVALID_INPUT"
        );
        assert!(Span::new(0, TEXT.len() + 1).utf16_range(TEXT).is_err());
        assert!(Span::new(3, 2).char_range(TEXT).is_err());
        // UTF-16 offset 6 is between the two halves of 👩.
        assert!(Span::from_utf16_range(TEXT, 0, 6).is_err());
        assert!(Span::from_char_range(TEXT, 0, 1000).is_err());
        assert!(Span::from_char_range(TEXT, 2, 1).is_err());
    }

    #[test]
    fn both_json_shapes_read_one_shape_written() {
        #[derive(Deserialize)]
        struct V {
            #[serde(default, deserialize_with = "deserialize_lenient")]
            span: Option<Span>,
        }
        let a: V = serde_json::from_str(r#"{"span": {"start": 1, "end": 3}}"#).unwrap();
        let b: V = serde_json::from_str(r#"{"span": [1, 3]}"#).unwrap();
        let c: V = serde_json::from_str(r#"{"span": null}"#).unwrap();
        let d: V = serde_json::from_str("{}").unwrap();
        assert_eq!(
            (a.span, b.span),
            (Some(Span::new(1, 3)), Some(Span::new(1, 3)))
        );
        assert_eq!((c.span, d.span), (None, None));
        assert_eq!(
            serde_json::to_string(&Span::new(1, 3)).unwrap(),
            r#"{"start":1,"end":3}"#
        );
    }
}
