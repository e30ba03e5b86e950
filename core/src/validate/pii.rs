//! PII detectors: SSN, card, routing and account numbers, dates of birth, and contact
//! details that belong to neither the agency nor the recipient.
//!
//! Every pattern matches ASCII digits only (`[0-9]`, never Unicode `\d`), is compiled
//! once, and reports byte spans of the matched text.

use std::sync::LazyLock;

use regex::Regex;

use super::text::Text;
use super::{RuleCode, Span};

/// One detector hit, before the rule configuration decides whether it is reported.
#[derive(Debug, Clone)]
pub(crate) struct Finding {
    pub code: RuleCode,
    pub span: Span,
    pub message: String,
}

pub(crate) fn re(pattern: &str) -> Regex {
    // Only ever called with the literal patterns of this module and `content`, all
    // exercised by their unit tests: not an input-dependent path.
    Regex::new(pattern).expect("built-in validator pattern compiles")
}

static SSN: LazyLock<Regex> = LazyLock::new(|| re(r"[0-9]{3}[-. ][0-9]{2}[-. ][0-9]{4}"));
static DIGIT_RUN: LazyLock<Regex> = LazyLock::new(|| re(r"[0-9]+"));
static GROUPED_DIGITS: LazyLock<Regex> = LazyLock::new(|| re(r"[0-9]+(?:[ -][0-9]+)*"));
static PHONE: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?:\+?1[-. ]?)?(?:\([0-9]{3}\) ?|[0-9]{3}[-. ]?)[0-9]{3}[-. ]?[0-9]{4}"));
static EMAIL: LazyLock<Regex> =
    LazyLock::new(|| re(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}"));
// The patterns below run on the ASCII-lowercased text (see `text::Text`).
static DATE: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"(?-u:\b)(?:",
        // 01/02/1990, 2.1.90, 1-2-1990 (either order of day and month)
        r"[0-9]{1,2}[/.\-][0-9]{1,2}[/.\-][0-9]{2,4}",
        // 1990-01-02, 1990/01/02, 1990.01.02
        r"|[0-9]{4}[/.\-][0-9]{1,2}[/.\-][0-9]{1,2}",
        // 03-Mar-1985, 3 Mar 1985, 3/March/85
        r"|[0-9]{1,2}(?:st|nd|rd|th)?[\-/. ]\s*(?:of\s+)?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?,?[\-/. ]\s*[0-9]{2,4}",
        // March 3, 1985
        r"|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+[0-9]{1,2}(?:st|nd|rd|th)?,?\s+[0-9]{4}",
        r")(?-u:\b)",
    ))
});
/// Every context word in one pass; [`ContextWords::classify`] sorts the hits.
static CONTEXT: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?-u:\b)(?:ssn|social(?:\s+security)?|routing|aba|accounts?|acct|checking|savings|deposits?|bank(?:ing)?|dob|d\.o\.b|date\s+of\s+birth|born|birth(?:day|date)?|birth\s+date)(?-u:\b)",
    )
});
/// Context-word spans by what they announce.
#[derive(Default)]
struct ContextWords {
    ssn: Vec<Span>,
    bank: Vec<Span>,
    account: Vec<Span>,
    dob: Vec<Span>,
}

impl ContextWords {
    fn classify(text: &Text<'_>) -> Self {
        let mut c = ContextWords::default();
        for m in CONTEXT.find_iter(&text.lower) {
            if !text.word_bounded(m.start(), m.end()) {
                continue;
            }
            let span = Span::new(m.start(), m.end());
            let w = m.as_str();
            if w == "ssn" || w.starts_with("social") {
                c.ssn.push(span);
            } else if w.starts_with("account") {
                c.bank.push(span);
                c.account.push(span);
            } else if w == "acct" || w == "checking" || w == "savings" {
                c.account.push(span);
            } else if w == "dob"
                || w == "d.o.b"
                || w.starts_with("date")
                || w.starts_with("birth")
                || w == "born"
            {
                c.dob.push(span);
            } else {
                c.bank.push(span);
            }
        }
        c
    }
}

/// Who may appear in a draft: the agency (from the config) and the recipient.
#[derive(Debug, Clone, Default)]
pub(crate) struct KnownContacts {
    /// Phone numbers as 10 digits (a leading US `1` dropped).
    pub phones: Vec<String>,
    /// Lowercase email addresses.
    pub emails: Vec<String>,
    /// Lowercase domains whose every address is known (the agency's).
    pub domains: Vec<String>,
}

impl KnownContacts {
    fn knows_phone(&self, digits: &str) -> bool {
        self.phones.iter().any(|p| p == digits)
    }

    fn knows_email(&self, email: &str) -> bool {
        let email = email.to_ascii_lowercase();
        let domain = email.rsplit_once('@').map_or("", |(_, d)| d);
        self.emails.contains(&email) || self.domains.iter().any(|d| d == domain)
    }
}

/// Phone digits normalised for comparison: ASCII digits only, a leading US `1` of an
/// 11-digit number dropped.
pub(crate) fn phone_digits(s: &str) -> String {
    let d: String = s.chars().filter(char::is_ascii_digit).collect();
    match d.strip_prefix('1') {
        Some(rest) if d.len() == 11 => rest.to_string(),
        _ => d,
    }
}

/// Which detectors to run (disabled rules cost nothing).
#[derive(Debug, Clone, Copy)]
pub(crate) struct PiiSwitches {
    pub ssn: bool,
    pub card: bool,
    pub routing: bool,
    pub account: bool,
    pub dob: bool,
    pub other_contact: bool,
}

/// Context-word distances in bytes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Window {
    pub before: usize,
    pub after: usize,
}

/// Runs the enabled PII detectors over `text`.
pub(crate) fn scan(
    text: &Text<'_>,
    on: PiiSwitches,
    window: Window,
    known: &KnownContacts,
) -> Vec<Finding> {
    let mut out = Vec::new();
    // Detectors read the normalised text; `EmailValidator` maps spans back to raw.
    let raw: &str = &text.norm;
    // Each detector needs a minimum of digits in one cluster; most prose numbers
    // ("$21.00", "8 am", "order 1042") have fewer and cost no regex call.
    let all = text.numeric_clusters();
    let has_numbers = !all.is_empty();
    let clusters: Vec<(usize, usize, usize)> = all
        .into_iter()
        .map(|(s, e)| {
            (
                s,
                e,
                raw.as_bytes()[s..e]
                    .iter()
                    .filter(|b| b.is_ascii_digit())
                    .count(),
            )
        })
        .filter(|&(_, _, digits)| digits >= 4)
        .collect();
    for &(s, e, digits) in &clusters {
        // Searching `raw[..e]` from `s` keeps each regex inside its cluster while the
        // guards still see the bytes around it.
        let hay = &raw[..e];
        if on.ssn && digits >= 9 {
            formatted_ssns(hay, s, &mut out);
        }
        if on.card && digits >= 13 {
            cards(hay, s, &mut out);
        }
    }
    // Dates like 1/2/90 have no 4-digit cluster, so any number wakes the context scan.
    if has_numbers && (on.ssn || on.routing || on.account || on.dob) {
        let ctx = ContextWords::classify(text);
        let long: Vec<(usize, usize)> = clusters
            .iter()
            .filter(|c| c.2 >= 8)
            .map(|&(s, e, _)| (s, e))
            .collect();
        if !long.is_empty() {
            bare_numbers(text, &long, &ctx, on, window, &mut out);
        }
        if on.dob && !ctx.dob.is_empty() {
            dates_of_birth(text, &ctx.dob, window, &mut out);
        }
    }
    if on.other_contact {
        let phones: Vec<(usize, usize)> = clusters
            .iter()
            .filter(|c| c.2 >= 10)
            .map(|&(s, e, _)| (s, e))
            .collect();
        other_contacts(raw, &phones, known, &mut out);
        international_phones(raw, &clusters, known, &mut out);
    }
    out
}

/// International numbers: a cluster written `+CC …` with a country code other than
/// the North American `1` (those go through the US pattern) and 8–15 digits in all
/// (E.164 allows at most 15).
fn international_phones(
    text: &str,
    clusters: &[(usize, usize, usize)],
    known: &KnownContacts,
    out: &mut Vec<Finding>,
) {
    let bytes = text.as_bytes();
    for &(s, e, digits) in clusters {
        let cc = bytes.get(s + 1).copied().unwrap_or(b'1');
        if bytes[s] != b'+' || !(b'2'..=b'9').contains(&cc) || !(8..=15).contains(&digits) {
            continue;
        }
        let span = Span::new(s, e);
        let d = phone_digits(&text[s..e]);
        if overlaps(out, span) || known.knows_phone(&d) {
            continue;
        }
        out.push(Finding {
            code: RuleCode::PiiOtherContact,
            span,
            message: format!(
                "international phone number ending {} is neither the agency's nor the recipient's",
                last4(d.as_bytes())
            ),
        });
    }
}

/// Non-overlapping matches of `re` in `hay` starting at `from`.
fn matches_from<'t>(
    re: &'t Regex,
    hay: &'t str,
    from: usize,
) -> impl Iterator<Item = regex::Match<'t>> + 't {
    let mut pos = from;
    std::iter::from_fn(move || {
        if pos > hay.len() {
            return None;
        }
        let m = re.find_at(hay, pos)?;
        pos = m.end().max(m.start() + 1);
        Some(m)
    })
}

/// True when the match is not glued to more digits: no digit right before or after,
/// and no digit behind a `-` or the match's own delimiter (`1-555…`, `…4567-9`).
fn not_glued(bytes: &[u8], start: usize, end: usize, delim: Option<u8>) -> bool {
    let joins = |b: u8| b == b'-' || Some(b) == delim;
    if start > 0 {
        let p = bytes[start - 1];
        if p.is_ascii_digit() || (joins(p) && start >= 2 && bytes[start - 2].is_ascii_digit()) {
            return false;
        }
    }
    if end < bytes.len() {
        let n = bytes[end];
        if n.is_ascii_digit() || (joins(n) && bytes.get(end + 1).is_some_and(u8::is_ascii_digit)) {
            return false;
        }
    }
    true
}

/// Finds every match of `re` that `accept` keeps; a rejected match lets the search
/// resume one character later, so a valid candidate overlapping it is still seen.
fn candidates<'t>(
    re: &Regex,
    text: &'t str,
    from: usize,
    mut accept: impl FnMut(regex::Match<'t>) -> bool,
) -> Vec<regex::Match<'t>> {
    let mut out = Vec::new();
    let mut pos = from;
    while pos <= text.len() {
        let Some(m) = re.find_at(text, pos) else {
            break;
        };
        if accept(m) {
            out.push(m);
            pos = m.end().max(m.start() + 1);
        } else {
            pos = m.start() + text[m.start()..].chars().next().map_or(1, char::len_utf8);
        }
    }
    out
}

/// Invalid SSNs are never issued, so they are not reported.
fn ssn_valid(area: &str, group: &str, serial: &str) -> bool {
    area != "000" && area != "666" && !area.starts_with('9') && group != "00" && serial != "0000"
}

fn masked_ssn(serial: &str) -> String {
    format!("***-**-{serial}")
}

fn formatted_ssns(text: &str, from: usize, out: &mut Vec<Finding>) {
    let bytes = text.as_bytes();
    for m in candidates(&SSN, text, from, |m| {
        let s = m.as_str().as_bytes();
        // One consistent delimiter: `123-45.6789` is not the SSN form.
        s[3] == s[6]
            && not_glued(bytes, m.start(), m.end(), Some(s[3]))
            && ssn_valid(&m.as_str()[0..3], &m.as_str()[4..6], &m.as_str()[7..11])
    }) {
        out.push(Finding {
            code: RuleCode::PiiSsn,
            span: Span::new(m.start(), m.end()),
            message: format!("Social Security number {}", masked_ssn(&m.as_str()[7..11])),
        });
    }
}

fn luhn_ok(digits: &[u8]) -> bool {
    let mut sum = 0u32;
    for (i, d) in digits.iter().rev().enumerate() {
        let mut v = u32::from(d - b'0');
        if i % 2 == 1 {
            v *= 2;
            if v > 9 {
                v -= 9;
            }
        }
        sum += v;
    }
    sum.is_multiple_of(10)
}

fn aba_ok(d: &[u8]) -> bool {
    if d.len() != 9 {
        return false;
    }
    let v: Vec<u32> = d.iter().map(|b| u32::from(b - b'0')).collect();
    let sum = 3 * (v[0] + v[3] + v[6]) + 7 * (v[1] + v[4] + v[7]) + (v[2] + v[5] + v[8]);
    sum.is_multiple_of(10)
}

fn last4(digits: &[u8]) -> String {
    String::from_utf8_lossy(&digits[digits.len().saturating_sub(4)..]).into_owned()
}

/// Card numbers among the digit groups of one grouped run (`4111 1111 1111 1111 12 27`):
/// every window of whole groups holding 13–19 digits is a candidate, so a card followed
/// by its expiry, its CVV or a second card is still found. From each group the shortest
/// window passing Luhn is taken and the search resumes after it, so no two reported
/// windows overlap. One repeated digit (`0000 0000 0000 0000`) is no card.
fn cards(text: &str, from: usize, out: &mut Vec<Finding>) {
    for m in matches_from(&GROUPED_DIGITS, text, from) {
        let groups: Vec<(usize, usize)> = m
            .as_str()
            .split([' ', '-'])
            .scan(m.start(), |at, g| {
                let s = *at;
                *at += g.len() + 1;
                Some((s, s + g.len()))
            })
            .collect();
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < groups.len() {
            let mut digits: Vec<u8> = Vec::with_capacity(19);
            let mut found = None;
            for (j, &(gs, ge)) in groups.iter().enumerate().skip(i) {
                digits.extend_from_slice(&bytes[gs..ge]);
                if digits.len() > 19 {
                    break;
                }
                if digits.len() >= 13 && digits.iter().any(|&d| d != digits[0]) && luhn_ok(&digits)
                {
                    found = Some(j);
                    break;
                }
            }
            let Some(j) = found else {
                i += 1;
                continue;
            };
            out.push(Finding {
                code: RuleCode::PiiCreditCard,
                span: Span::new(groups[i].0, groups[j].1),
                message: format!(
                    "credit card number ending {} ({} digits, passes the Luhn check)",
                    last4(&digits),
                    digits.len()
                ),
            });
            i = j + 1;
        }
    }
}

fn near(ctx: &[Span], s: Span, w: Window) -> Option<Span> {
    ctx.iter().copied().find(|c| {
        (c.end <= s.start && s.start - c.end <= w.before)
            || (c.start >= s.end && c.start - s.end <= w.after)
    })
}

/// Bare digit runs: 9-digit SSNs and routing numbers, 8–17-digit account numbers, each
/// only next to its context word.
fn bare_numbers(
    text: &Text<'_>,
    clusters: &[(usize, usize)],
    ctx: &ContextWords,
    on: PiiSwitches,
    w: Window,
    out: &mut Vec<Finding>,
) {
    let none: &[Span] = &[];
    let ssn_ctx = if on.ssn { ctx.ssn.as_slice() } else { none };
    let bank_ctx = if on.routing {
        ctx.bank.as_slice()
    } else {
        none
    };
    let acct_ctx = if on.account {
        ctx.account.as_slice()
    } else {
        none
    };
    if ssn_ctx.is_empty() && bank_ctx.is_empty() && acct_ctx.is_empty() {
        return;
    }
    let raw: &str = &text.norm;
    let bytes = raw.as_bytes();
    let runs = clusters
        .iter()
        .flat_map(|&(s, e)| matches_from(&DIGIT_RUN, &raw[..e], s));
    for m in runs {
        let d = m.as_str().as_bytes();
        let span = Span::new(m.start(), m.end());
        if !(8..=17).contains(&d.len()) || !not_glued(bytes, m.start(), m.end(), None) {
            continue;
        }
        let word = |c: Span| text.raw_of(c).to_string();
        if d.len() == 9 {
            let s = m.as_str();
            if let Some(c) = near(ssn_ctx, span, w) {
                if ssn_valid(&s[0..3], &s[3..5], &s[5..9]) {
                    out.push(Finding {
                        code: RuleCode::PiiSsn,
                        span,
                        message: format!(
                            "Social Security number {} (9 digits next to '{}')",
                            masked_ssn(&s[5..9]),
                            word(c)
                        ),
                    });
                    continue;
                }
            }
            if let Some(c) = near(bank_ctx, span, w) {
                if aba_ok(d) {
                    out.push(Finding {
                        code: RuleCode::PiiBankRouting,
                        span,
                        message: format!(
                            "bank routing number ending {} (valid ABA checksum, next to '{}')",
                            last4(d),
                            word(c)
                        ),
                    });
                    continue;
                }
            }
        }
        if let Some(c) = near(acct_ctx, span, w) {
            out.push(Finding {
                code: RuleCode::PiiBankAccount,
                span,
                message: format!(
                    "bank account number ending {} ({} digits next to '{}')",
                    last4(d),
                    d.len(),
                    word(c)
                ),
            });
        }
    }
}

fn dates_of_birth(text: &Text<'_>, ctx: &[Span], w: Window, out: &mut Vec<Finding>) {
    for m in DATE.find_iter(&text.lower) {
        let span = Span::new(m.start(), m.end());
        if let Some(c) = near(ctx, span, w) {
            out.push(Finding {
                code: RuleCode::PiiDob,
                span,
                message: format!("date of birth (a date next to '{}')", text.raw_of(c)),
            });
        }
    }
}

fn overlaps(out: &[Finding], s: Span) -> bool {
    out.iter()
        .any(|f| f.span.start < s.end && s.start < f.span.end)
}

fn other_contacts(
    text: &str,
    clusters: &[(usize, usize)],
    known: &KnownContacts,
    out: &mut Vec<Finding>,
) {
    let bytes = text.as_bytes();
    let phones = clusters.iter().flat_map(|&(s, e)| {
        candidates(&PHONE, &text[..e], s, |m| {
            not_glued(bytes, m.start(), m.end(), None)
        })
    });
    for m in phones {
        let span = Span::new(m.start(), m.end());
        let digits = phone_digits(m.as_str());
        if overlaps(out, span) || known.knows_phone(&digits) {
            continue;
        }
        out.push(Finding {
            code: RuleCode::PiiOtherContact,
            span,
            message: format!(
                "phone number ending {} is neither the agency's nor the recipient's",
                last4(digits.as_bytes())
            ),
        });
    }
    if !text.contains('@') {
        return;
    }
    for m in EMAIL.find_iter(text) {
        if known.knows_email(m.as_str()) {
            continue;
        }
        let domain = m.as_str().rsplit_once('@').map_or("", |(_, d)| d);
        out.push(Finding {
            code: RuleCode::PiiOtherContact,
            span: Span::new(m.start(), m.end()),
            message: format!(
                "email address at '{domain}' is neither the agency's nor the recipient's"
            ),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pattern_compiles() {
        for r in [
            &SSN,
            &DIGIT_RUN,
            &GROUPED_DIGITS,
            &PHONE,
            &EMAIL,
            &DATE,
            &CONTEXT,
        ] {
            LazyLock::force(r);
        }
    }

    #[test]
    fn checksums() {
        assert!(luhn_ok(b"4111111111111111"));
        assert!(!luhn_ok(b"4111111111111112"));
        assert!(aba_ok(b"021000021"));
        assert!(aba_ok(b"011000015"));
        assert!(!aba_ok(b"021000022"));
    }

    #[test]
    fn phone_digits_drop_country_code() {
        assert_eq!(phone_digits("1-555-123-4567"), "5551234567");
        assert_eq!(phone_digits("(555) 123-4567"), "5551234567");
        assert_eq!(phone_digits("+1 555 123 4567"), "5551234567");
    }
}
