//! Content rules shared by email and SMS: placeholders, greeting, links,
//! discriminatory wording, stated pay, profanity and the opt-out lines.

use std::sync::LazyLock;

use regex::Regex;

use super::config::normalize_host;
use super::pii::{re, Finding};
use super::{RuleCode, Span};
use crate::Worker;

static PLACEHOLDER: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"\{\{[^{}]{0,80}\}\}",
        r"|\{\s*[A-Za-z_][A-Za-z0-9_.]*\s*\}",
        r"|\[[A-Z][A-Z0-9_]+(?: [A-Z0-9_]+)*\]",
        r"|<\s*[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+\s*>",
        r"|<[A-Z]{2,}(?:[ _][A-Z]+)*>",
        r"|%[sd]\b",
    ))
});

/// Upper-case HTML tags that look like `<NAME>` placeholders but are markup.
const HTML_TAGS: &[&str] = &[
    "BR", "HR", "EM", "UL", "OL", "LI", "DIV", "SPAN", "TD", "TR", "TH", "TABLE", "HTML", "BODY",
    "HEAD", "TITLE", "STRONG", "SMALL", "BIG", "PRE", "CODE", "SUB", "SUP", "CENTER", "FONT",
    "IMG", "TBODY", "THEAD",
];

static GREETING: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"(?m)(?:^|[:.!?]\s+)[ \t]*",
        r"(?i:hi|hello|hey|dear|greetings|howdy|good\s+(?:morning|afternoon|evening))\b",
        r"[ \t]*,?[ \t]*",
        r"((?i:mr|mrs|ms|miss|mx|dr)\.?[ \t]+)?",
        r"(\p{Lu}[\p{L}'’\-]*)",
    ))
});

/// Greeting words that address nobody in particular.
const GENERIC_ADDRESSEES: &[&str] = &[
    "there",
    "team",
    "all",
    "everyone",
    "everybody",
    "friend",
    "friends",
    "folks",
    "sir",
    "madam",
    "ma'am",
    "colleague",
    "colleagues",
    "candidate",
    "applicant",
    "worker",
];

static LINK: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"(?i)(?:https?://|www\.)[^\s<>]+",
        r"|\b(?:[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?\.)+",
        r"(?:com|net|org|io|co|us|ly|me|info|biz|app|dev|xyz|gov|edu|gl|link|site|online|ai|to|gg)\b",
        r"(?:/[^\s<>]*)?",
    ))
});

const DISCRIMINATION: &[(&str, &str)] = &[
    (
        "age",
        r"young(?:er|sters?)?|youthful|recent\s+(?:college\s+)?grad(?:uate)?s?|under\s+(?:the\s+age\s+of\s+)?[1-7][0-9]|digital\s+natives?|millennials?|gen(?:eration)?\s+z|no\s+older\s+than\s+[0-9]+|(?:max(?:imum)?|upper)\s+age|too\s+old|over\s+[4-7]0s?\s+need\s+not\s+apply|fresh\s+(?:faces|blood)",
    ),
    (
        "sex",
        r"waitress(?:es)?|salesm[ae]n|girls?|gals|hostess(?:es)?|stewardess(?:es)?|barmaids?|cleaning\s+lad(?:y|ies)|(?:men|women|males?|females?|guys|ladies)\s+only|must\s+be\s+(?:a\s+)?(?:male|female|man|woman)|(?:male|female)\s+(?:candidates|applicants)\s+(?:only|preferred)",
    ),
    (
        "national origin or race",
        r"native\s+english\s+speakers?|native\s+speakers?|no\s+foreigners|no\s+immigrants|(?:american|u\.?s\.?)[- ]born|english\s+as\s+(?:a\s+)?first\s+language|no\s+accents?|(?:whites?|blacks?|asians?|hispanics?|latinos?)\s+only|must\s+be\s+(?:white|black|asian|hispanic|latino)",
    ),
    (
        "religion",
        r"(?:christians?|muslims?|jews|jewish|catholics?|hindus?|atheists?|buddhists?|sikhs?)\s+only|no\s+(?:muslims|jews|christians|catholics|hindus|atheists|sikhs)|must\s+be\s+(?:a\s+)?(?:christian|muslim|jewish|catholic|hindu|religious|believer)|church[- ]?goers?|church[- ]going",
    ),
    (
        "disability",
        r"able[- ]bodied|no\s+disabilit(?:y|ies)|no\s+(?:handicapped|disabled)(?:\s+(?:people|persons|workers|applicants))?|(?:non|not)[- ]disabled|free\s+(?:of|from)\s+(?:any\s+)?disabilit(?:y|ies)|no\s+wheelchairs?|must\s+not\s+have\s+(?:any\s+)?disabilit(?:y|ies)|perfect\s+health|no\s+mental\s+illness",
    ),
    (
        "pregnancy",
        r"(?:not|no|non)[- ]pregnant|pregnan(?:t|cy)\s+(?:women\s+|applicants\s+|candidates\s+)?(?:need\s+not\s+apply|not\s+(?:allowed|accepted))|(?:must|should)\s+not\s+(?:be|become|get)\s+pregnant|no\s+plans?\s+to\s+(?:have\s+(?:kids|children|a\s+baby)|start\s+a\s+family)",
    ),
    (
        "citizenship",
        r"(?:u\.?s\.?|us|american)\s+citizens?\s+only|citizens\s+only|(?:must|should)\s+be\s+(?:a\s+)?(?:u\.?s\.?\s+|us\s+|american\s+)?citizens?|citizenship\s+required|no\s+(?:green\s+card|visa|h-?1b)\s+holders|green\s+card\s+holders\s+only",
    ),
];

static DISCRIMINATORY: LazyLock<Regex> = LazyLock::new(|| {
    let all: Vec<&str> = DISCRIMINATION.iter().map(|(_, p)| *p).collect();
    re(&format!(r"(?i)\b(?:{})\b", all.join("|")))
});

static DISCRIMINATION_CLASSES: LazyLock<Vec<(&'static str, Regex)>> = LazyLock::new(|| {
    DISCRIMINATION
        .iter()
        .map(|(class, p)| (*class, re(&format!(r"(?i)^(?:{p})$"))))
        .collect()
});

/// Units after "under 30" that make it a quantity, not an age limit.
const QUANTITY_UNITS: &[&str] = &[
    "lb", "lbs", "pound", "pounds", "kg", "kilos", "minute", "minutes", "min", "mins", "hour",
    "hours", "hr", "hrs", "mile", "miles", "mi", "feet", "ft", "percent", "%", "dollars",
    "degrees", "seconds", "days", "people", "workers", "units", "boxes",
];

static PAY: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"(?i)(?:\$\s?([0-9]{1,4}(?:\.[0-9]{1,2})?)|\b([0-9]{1,4}(?:\.[0-9]{1,2})?)\s*(?:dollars|usd))",
        r"\s*(?:/\s*(?:hr|hour|h)\b|per\s+(?:hr|hour)\b|an?\s+(?:hr|hour)\b|hourly\b|p/?h\b)",
    ))
});

static PROFANITY: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(?:fuck(?:s|ed|er|ers|ing)?|motherfuck(?:er|ers|ing)?|shit(?:s|ty|ting)?|bullshit|bitch(?:es|y)?|bastards?|assholes?|damn(?:ed|it)?|goddamn|crap(?:py)?|piss(?:ed)?|wtf)\b",
    )
});

static STOP: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)\bstop\b"));
static UNSUBSCRIBE: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)\b(?:unsubscribe|opt[- ]?out|reply\s+stop)\b"));

pub(crate) fn placeholders(text: &str, out: &mut Vec<Finding>) {
    if !text.contains(['{', '[', '<', '%']) {
        return;
    }
    for m in PLACEHOLDER.find_iter(text) {
        let s = m.as_str();
        if let Some(tag) = s.strip_prefix('<').and_then(|t| t.strip_suffix('>')) {
            if HTML_TAGS.contains(&tag) {
                continue;
            }
        }
        out.push(Finding {
            code: RuleCode::PlaceholderUnresolved,
            span: Span::new(m.start(), m.end()),
            message: format!("unresolved template placeholder '{s}'"),
        });
    }
}

/// The name in the first greeting line when it is not the recipient's.
pub(crate) fn recipient_mismatch(text: &str, recipient: &Worker) -> Option<Finding> {
    let caps = GREETING.captures(text)?;
    let name = caps.get(2)?;
    let said = name
        .as_str()
        .trim_end_matches(['\'', '’', '-'])
        .to_lowercase();
    if GENERIC_ADDRESSEES.contains(&said.as_str()) {
        return None;
    }
    let first = recipient.first_name.to_lowercase();
    let last = recipient.last_name.to_lowercase();
    let tokens = first
        .split([' ', '-'])
        .chain(last.split([' ', '-']))
        .chain([first.as_str(), last.as_str()]);
    if tokens.into_iter().any(|t| !t.is_empty() && t == said) {
        return None;
    }
    Some(Finding {
        code: RuleCode::RecipientNameMismatch,
        span: Span::new(name.start(), name.end()),
        message: format!(
            "greeting addresses '{}' but the recipient is {} {}",
            name.as_str(),
            recipient.first_name,
            recipient.last_name
        ),
    })
}

fn host_allowed(host: &str, allow: &[String]) -> bool {
    let host = host.strip_prefix("www.").unwrap_or(host);
    allow.iter().any(|a| {
        let a = a.strip_prefix("www.").unwrap_or(a);
        host == a || host.strip_suffix(a).is_some_and(|rest| rest.ends_with('.'))
    })
}

/// `allow` holds normalised hosts (see `normalize_host`).
pub(crate) fn links(text: &str, allow: &[String], out: &mut Vec<Finding>) {
    if !text.contains('.') {
        return;
    }
    let bytes = text.as_bytes();
    for m in LINK.find_iter(text) {
        let raw = m.as_str();
        let is_scheme =
            raw.contains("://") || raw.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("www."));
        if !is_scheme {
            // A bare domain inside an email address or a longer token is not a link.
            let before = m.start().checked_sub(1).map(|i| bytes[i]);
            let after = bytes.get(m.end()).copied();
            if before.is_some_and(|b| b.is_ascii_alphanumeric() || b"@./-_".contains(&b))
                || after == Some(b'@')
            {
                continue;
            }
        }
        let trimmed =
            raw.trim_end_matches(['.', ',', ';', ':', '!', '?', ')', '\'', '"', ']', '>']);
        let host = normalize_host(trimmed);
        if host.is_empty() || host_allowed(&host, allow) {
            continue;
        }
        out.push(Finding {
            code: RuleCode::LinkNotAllowed,
            span: Span::new(m.start(), m.start() + trimmed.len()),
            message: if allow.is_empty() {
                format!("link to '{host}': no links are allowed")
            } else {
                format!(
                    "link to '{host}' is not on the allow-list ({})",
                    allow.join(", ")
                )
            },
        });
    }
}

fn next_word(text: &str, from: usize) -> &str {
    let rest = text[from..].trim_start();
    let end = rest
        .find(|c: char| !(c.is_alphanumeric() || c == '%'))
        .unwrap_or(rest.len());
    &rest[..end]
}

/// True when the text before `at` ends a sentence (or is empty), so a capital letter
/// at `at` says nothing about a proper noun.
fn sentence_start(text: &str, at: usize) -> bool {
    let before = text[..at].trim_end();
    before.is_empty() || before.ends_with(['.', '!', '?', ':', ';', '"', '(', '-', '•', '*'])
}

/// `names`: lowercase name parts of the recipient; a surname like "Young" is not
/// wording about age.
pub(crate) fn discriminatory(text: &str, names: &[String], out: &mut Vec<Finding>) {
    for m in DISCRIMINATORY.find_iter(text) {
        let s = m.as_str();
        let one_word = !s.contains(char::is_whitespace);
        if one_word {
            let lower = s.to_lowercase();
            let capitalised = s.starts_with(char::is_uppercase);
            if capitalised && (names.contains(&lower) || !sentence_start(text, m.start())) {
                continue;
            }
        }
        let class = DISCRIMINATION_CLASSES
            .iter()
            .find(|(_, r)| r.is_match(s))
            .map_or("a protected class", |(c, _)| c);
        if class == "age" && s.get(..5).is_some_and(|p| p.eq_ignore_ascii_case("under")) {
            let unit = next_word(text, m.end()).to_ascii_lowercase();
            if QUANTITY_UNITS.contains(&unit.as_str()) {
                continue;
            }
        }
        out.push(Finding {
            code: RuleCode::DiscriminatoryLanguage,
            span: Span::new(m.start(), m.end()),
            message: format!("'{s}' screens candidates by {class}"),
        });
    }
}

/// Hourly pay amounts stated in the text, with their spans.
pub(crate) fn stated_pay(text: &str) -> Vec<(Span, f64)> {
    if !text.bytes().any(|b| b.is_ascii_digit()) {
        return Vec::new();
    }
    PAY.captures_iter(text)
        .filter_map(|c| {
            let whole = c.get(0)?;
            let amount = c
                .get(1)
                .or_else(|| c.get(2))?
                .as_str()
                .parse::<f64>()
                .ok()?;
            Some((Span::new(whole.start(), whole.end()), amount))
        })
        .collect()
}

pub(crate) fn profanity(text: &str, out: &mut Vec<Finding>) {
    for m in PROFANITY.find_iter(text) {
        out.push(Finding {
            code: RuleCode::Profanity,
            span: Span::new(m.start(), m.end()),
            message: format!("profanity '{}'", m.as_str()),
        });
    }
}

pub(crate) fn has_stop(text: &str) -> bool {
    STOP.is_match(text)
}

pub(crate) fn has_unsubscribe(text: &str) -> bool {
    UNSUBSCRIBE.is_match(text)
}

/// Lowercase alphanumeric words joined by single spaces, so an address matches across
/// commas, line breaks and case.
pub(crate) fn normalize_words(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for w in s
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(w.chars().flat_map(char::to_lowercase));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pattern_compiles() {
        LazyLock::force(&PLACEHOLDER);
        LazyLock::force(&GREETING);
        LazyLock::force(&LINK);
        LazyLock::force(&DISCRIMINATORY);
        assert_eq!(DISCRIMINATION_CLASSES.len(), DISCRIMINATION.len());
        LazyLock::force(&PAY);
        LazyLock::force(&PROFANITY);
    }

    #[test]
    fn hosts() {
        let allow = vec!["lakesidestaffing.com".to_string()];
        assert!(host_allowed("lakesidestaffing.com", &allow));
        assert!(host_allowed("jobs.lakesidestaffing.com", &allow));
        assert!(!host_allowed("evil-lakesidestaffing.com", &allow));
        assert!(!host_allowed("lakesidestaffing.com.evil.io", &allow));
    }

    #[test]
    fn words_normalise() {
        assert_eq!(
            normalize_words("200 Harbor St.,\nLakeside"),
            "200 harbor st lakeside"
        );
    }
}
