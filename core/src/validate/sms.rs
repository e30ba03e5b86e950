//! SMS segment counting per GSM 03.38 (GSM-7 with its extension table) and UCS-2.

use serde::{Deserialize, Serialize};

/// The encoding a carrier will use for a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmsEncoding {
    /// 7-bit GSM default alphabet: 160 characters in one segment, 153 per part.
    Gsm7,
    /// UTF-16: 70 code units in one segment, 67 per part.
    Ucs2,
}

/// What [`sms_segments`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SegmentInfo {
    /// GSM-7 when every character is in the GSM-7 alphabet, UCS-2 otherwise.
    pub encoding: SmsEncoding,
    /// GSM-7 septets (extension-table characters count 2) or UTF-16 code units.
    pub units: usize,
    /// Segments the message takes; 0 for an empty message.
    pub segments: usize,
}

const GSM_SINGLE: usize = 160;
const GSM_PART: usize = 153;
const UCS2_SINGLE: usize = 70;
const UCS2_PART: usize = 67;

/// Counts the SMS segments `text` takes, for the live counter of a frontend and for
/// `SMS_TOO_LONG`.
///
/// A concatenated message never splits a two-septet extension character or a UTF-16
/// surrogate pair across parts (as handsets and gateways do), so a part may hold one
/// unit less than 153 / 67.
///
/// ```
/// use lakehouse::validate::{sms_segments, SmsEncoding};
///
/// let one = sms_segments(&"a".repeat(160));
/// assert_eq!((one.encoding, one.units, one.segments), (SmsEncoding::Gsm7, 160, 1));
/// let two = sms_segments(&format!("{}€", "a".repeat(159)));
/// assert_eq!((two.units, two.segments), (161, 2));
/// assert_eq!(sms_segments("hi 👋").encoding, SmsEncoding::Ucs2);
/// ```
pub fn sms_segments(text: &str) -> SegmentInfo {
    let encoding = if first_non_gsm(text).is_none() {
        SmsEncoding::Gsm7
    } else {
        SmsEncoding::Ucs2
    };
    let (single, part) = capacities(encoding);
    let units: usize = text.chars().map(|c| char_units(c, encoding)).sum();
    let segments = if units == 0 {
        0
    } else if units <= single {
        1
    } else {
        let mut segs = 1;
        let mut used = 0;
        for c in text.chars() {
            let u = char_units(c, encoding);
            if used + u > part {
                segs += 1;
                used = 0;
            }
            used += u;
        }
        segs
    };
    SegmentInfo {
        encoding,
        units,
        segments,
    }
}

/// The first character outside GSM-7 with its byte offset.
pub(crate) fn first_non_gsm(text: &str) -> Option<(usize, char)> {
    text.char_indices().find(|(_, c)| gsm7_units(*c).is_none())
}

/// Byte offset of the first character that does not fit into `max_segments`
/// segments, or `None` when the whole text fits.
pub(crate) fn overflow_offset(
    text: &str,
    encoding: SmsEncoding,
    max_segments: usize,
) -> Option<usize> {
    let (single, part) = capacities(encoding);
    let mut total = 0;
    for (i, c) in text.char_indices() {
        total += char_units(c, encoding);
        if max_segments <= 1 && total > single {
            return Some(i);
        }
    }
    if max_segments <= 1 || total <= single {
        return None;
    }
    let mut segs = 1;
    let mut used = 0;
    for (i, c) in text.char_indices() {
        let u = char_units(c, encoding);
        if used + u > part {
            segs += 1;
            used = 0;
            if segs > max_segments {
                return Some(i);
            }
        }
        used += u;
    }
    None
}

fn capacities(encoding: SmsEncoding) -> (usize, usize) {
    match encoding {
        SmsEncoding::Gsm7 => (GSM_SINGLE, GSM_PART),
        SmsEncoding::Ucs2 => (UCS2_SINGLE, UCS2_PART),
    }
}

fn char_units(c: char, encoding: SmsEncoding) -> usize {
    match encoding {
        SmsEncoding::Gsm7 => usize::from(gsm7_units(c).unwrap_or(2)),
        SmsEncoding::Ucs2 => c.len_utf16(),
    }
}

/// Septets `c` takes in GSM-7: 1 for the basic alphabet, 2 for the extension table
/// (escape + code), `None` outside GSM-7.
fn gsm7_units(c: char) -> Option<u8> {
    if let Some(&u) = ASCII_UNITS.get(c as usize) {
        return (u > 0).then_some(u);
    }
    gsm7_units_slow(c)
}

/// [`gsm7_units`] for ASCII, 0 meaning "not GSM-7": the hot path of a live counter.
const ASCII_UNITS: [u8; 128] = {
    let mut t = [0u8; 128];
    let mut i = 0;
    while i < 128 {
        t[i] = match gsm7_units_slow(i as u8 as char) {
            Some(u) => u,
            None => 0,
        };
        i += 1;
    }
    t
};

const fn gsm7_units_slow(c: char) -> Option<u8> {
    match c {
        'A'..='Z' | 'a'..='z' | '0'..='9' => Some(1),
        // Every ASCII character from space to '?' is in the basic alphabet ('$' too).
        ' '..='?' => Some(1),
        '@' | '_' | '\n' | '\r' => Some(1),
        '£' | '¥' | 'è' | 'é' | 'ù' | 'ì' | 'ò' | 'Ç' | 'Ø' | 'ø' | 'Å' | 'å' => {
            Some(1)
        }
        'Δ' | 'Φ' | 'Γ' | 'Λ' | 'Ω' | 'Π' | 'Ψ' | 'Σ' | 'Θ' | 'Ξ' => Some(1),
        'Æ' | 'æ' | 'ß' | 'É' | '¤' | '¡' | '¿' | '§' => Some(1),
        'Ä' | 'Ö' | 'Ñ' | 'Ü' | 'ä' | 'ö' | 'ñ' | 'ü' | 'à' => Some(1),
        '^' | '{' | '}' | '\\' | '[' | ']' | '~' | '|' | '€' | '\u{0C}' => Some(2),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_outside_gsm() {
        assert!(gsm7_units('`').is_none());
        assert!(gsm7_units('\t').is_none());
        assert_eq!(gsm7_units('$'), Some(1));
    }

    #[test]
    fn extension_chars_do_not_split_across_parts() {
        // 152 basic + '€' (2): the euro cannot straddle the 153 boundary.
        let text = format!("{}€{}", "a".repeat(152), "a".repeat(10));
        let info = sms_segments(&text);
        assert_eq!(info.units, 164);
        assert_eq!(info.segments, 2);
        let text = format!("{}€{}", "a".repeat(152), "a".repeat(152));
        assert_eq!(sms_segments(&text).segments, 3);
    }

    #[test]
    fn overflow_points_at_first_char_past_limit() {
        let text = "a".repeat(165);
        assert_eq!(overflow_offset(&text, SmsEncoding::Gsm7, 1), Some(160));
        assert_eq!(overflow_offset(&text, SmsEncoding::Gsm7, 2), None);
        let text = "a".repeat(310);
        assert_eq!(overflow_offset(&text, SmsEncoding::Gsm7, 2), Some(306));
    }
}
